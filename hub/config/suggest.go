package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// suggest returns the candidate closest to s by case-insensitive edit distance,
// if it is close enough: at most max(2, len(s)/3) edits, and fewer edits than s
// has characters (so "x" does not suggest "dir"). Ties go to the earlier
// candidate.
func suggest(s string, candidates []string) (string, bool) {
	ls := strings.ToLower(s)
	n := utf8.RuneCountInString(s)
	limit := max(2, n/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := editDistance(ls, strings.ToLower(c)); d < bestD && d < n {
			best, bestD = c, d
		}
	}
	return best, best != ""
}

// didYouMean is ` (did you mean "x"?)` when suggest finds x, else "".
func didYouMean(s string, candidates []string) string {
	if c, ok := suggest(s, candidates); ok {
		return " (did you mean " + strconv.Quote(c) + "?)"
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in runes. Inputs
// longer than 256 runes are not compared (the distance is reported as their
// length difference plus 256) to keep fuzzed inputs cheap.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 256 || len(rb) > 256 {
		return abs(len(ra)-len(rb)) + 256
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
