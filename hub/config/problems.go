package config

import (
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Problem is one thing wrong with a config.
type Problem struct {
	// Key is the dotted TOML path of the value, with array indices, e.g.
	// "IOServerOptions.pingInterval", "auth.algorithms[1]",
	// "roles.Public.permissions[0]", "events[0].handler". Segments that are not
	// bare TOML keys are quoted: roles."Content Editor". Empty for syntax errors.
	Key string
	// Message says what is wrong, e.g. `expected "action" or "read", got "write"`.
	Message string
}

// String is "key: message", or just the message when Key is empty.
func (p Problem) String() string {
	if p.Key == "" {
		return p.Message
	}
	return p.Key + ": " + p.Message
}

// Problems is the error of an invalid config: every problem found, in file
// order (problems about keys absent from the file come last).
type Problems struct {
	// File names the config in messages ("hub.toml"); may be empty.
	File string
	// List holds at least one problem.
	List []Problem
}

// Error is one "file: key: message" line per problem.
func (p *Problems) Error() string {
	var b strings.Builder
	for i, pr := range p.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.File != "" {
			b.WriteString(p.File)
			b.WriteString(": ")
		}
		b.WriteString(pr.String())
	}
	return b.String()
}

// keyPath is a TOML key path with array indices, built by appending; every
// append copies, so paths can be shared freely.
type keyPath []pathSeg

type pathSeg struct {
	name  string
	index int // >= 0: an array index; the name is unused
}

func (p keyPath) key(name string) keyPath {
	return append(p[:len(p):len(p)], pathSeg{name: name, index: -1})
}

func (p keyPath) at(i int) keyPath {
	return append(p[:len(p):len(p)], pathSeg{index: i})
}

// tomlKey is p without its array indices, as the TOML library names keys.
func (p keyPath) tomlKey() toml.Key {
	k := make(toml.Key, 0, len(p))
	for _, s := range p {
		if s.index < 0 {
			k = append(k, s.name)
		}
	}
	return k
}

func (p keyPath) String() string {
	var b strings.Builder
	for i, s := range p {
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(quoteKey(s.name))
	}
	return b.String()
}

// quoteKey writes a key as TOML would: bare if it can be, else quoted.
func quoteKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return strconv.Quote(k)
		}
	}
	return k
}

// problem is a Problem with what is needed to sort it into file order.
type problem struct {
	path keyPath
	msg  string
}

// sortProblems orders problems by the position in the file of the longest
// prefix of their path that appears in it (order maps a rendered path to its
// ordinal; see fileOrder), keeping emission order among equals.
func sortProblems(probs []problem, order map[string]int) []Problem {
	type ranked struct {
		rank int
		p    Problem
	}
	rs := make([]ranked, len(probs))
	for i, pr := range probs {
		rank := len(order) + 1 // absent from the file: last
		for n := len(pr.path); n > 0; n-- {
			if o, ok := order[pr.path[:n].String()]; ok {
				rank = o
				break
			}
		}
		rs[i] = ranked{rank, Problem{Key: pr.path.String(), Message: pr.msg}}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].rank < rs[j].rank })
	out := make([]Problem, len(rs))
	for i, r := range rs {
		out[i] = r.p
	}
	return out
}
