//go:build linux

package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
)

// Every number in a table is the median over rounds (a noisy shared machine
// makes single runs wander); correctness counts (lost, duplicated, failed) are
// totals, because one lost message in any round is a bug.

// quantilesUs returns the given quantiles (0..1) of latencies in microseconds,
// by nearest rank. It sorts lats in place. NaN for an empty set.
func quantilesUs(lats []int32, qs ...float64) []float64 {
	out := make([]float64, len(qs))
	if len(lats) == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	slices.Sort(lats)
	for i, q := range qs {
		rank := int(math.Ceil(q*float64(len(lats)))) - 1
		rank = min(max(rank, 0), len(lats)-1)
		out[i] = float64(lats[rank])
	}
	return out
}

// median of xs (NaN for none; NaNs are ignored).
func median(xs []float64) float64 {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if n := len(v); n%2 == 1 {
		return v[n/2]
	} else {
		return (v[n/2-1] + v[n/2]) / 2
	}
}

// table is one scenario's output: a column per server (or phase) and a ratio.
type table struct {
	title string
	cols  []string
	rows  [][]string
	notes []string
	// inverse makes the ratio column second/first (reload: reloading/steady).
	inverse bool
}

// unit formats one kind of number.
type unit func(float64) string

func rate(x float64) string {
	switch {
	case math.IsNaN(x):
		return "-"
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func fixed(digits int) unit {
	return func(x float64) string {
		if math.IsNaN(x) {
			return "-"
		}
		return fmt.Sprintf("%.*f", digits, x)
	}
}

func kib(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.1f", x/1024)
}

func count(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.0f", x)
}

// ratio formats a/b as "2.10x" ("-" when either is missing or b is 0).
func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// compare adds a row: the median of each column's values, and the ratio of the
// first column to the second.
func (t *table) compare(label string, u unit, a, b []float64) {
	ma, mb := median(a), median(b)
	r := ratio(ma, mb)
	if t.inverse {
		r = ratio(mb, ma)
	}
	t.rows = append(t.rows, []string{label, u(ma), u(mb), r})
}

// total adds a row of sums with no ratio (correctness counts).
func (t *table) total(label string, a, b []float64) {
	t.rows = append(t.rows, []string{label, sum(a), sum(b), ""})
}

// sum formats the total of xs ("-" for none).
func sum(xs []float64) string {
	if len(xs) == 0 {
		return "-"
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return count(s)
}

// against adds a row: the median of base, then for each of others its median
// and its ratio to base's.
func (t *table) against(label string, u unit, base []float64, others ...[]float64) {
	mb := median(base)
	row := []string{label, u(mb)}
	for _, xs := range others {
		m := median(xs)
		row = append(row, u(m), ratio(m, mb))
	}
	t.rows = append(t.rows, row)
}

// totals adds a row of sums laid out as against's (ratio cells empty).
func (t *table) totals(label string, base []float64, others ...[]float64) {
	row := []string{label, sum(base)}
	for _, xs := range others {
		row = append(row, sum(xs), "")
	}
	t.rows = append(t.rows, row)
}

// write renders the table as aligned text (also valid Markdown).
func (t *table) write(w io.Writer) {
	fmt.Fprintf(w, "\n%s\n\n", t.title)
	header := append([]string{"metric"}, t.cols...)
	all := append([][]string{header}, t.rows...)
	width := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range r {
			if i == 0 {
				fmt.Fprintf(&b, " %-*s |", width[i], c)
			} else {
				fmt.Fprintf(&b, " %*s |", width[i], c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	var b strings.Builder
	b.WriteString("|")
	for i, s := range sep {
		if i == 0 {
			fmt.Fprintf(&b, "-%s-|", s)
		} else {
			fmt.Fprintf(&b, "-%s:|", s)
		}
	}
	fmt.Fprintln(w, b.String())
	for _, r := range t.rows {
		line(r)
	}
	for _, n := range t.notes {
		fmt.Fprintf(w, "\n%s\n", n)
	}
}

// pick collects one field of the results of one server.
func pick[T any](rs []T, server func(T) string, name string, f func(T) float64) []float64 {
	var out []float64
	for _, r := range rs {
		if server(r) == name {
			out = append(out, f(r))
		}
	}
	return out
}

func fanoutTable(title string, rs []*fanoutResult) *table {
	t := &table{title: title, cols: []string{hubName, nodeName, "iohub/node"}}
	srv := func(r *fanoutResult) string { return r.Server }
	row := func(label string, u unit, f func(*fanoutResult) float64) {
		t.compare(label, u, pick(rs, srv, hubName, f), pick(rs, srv, nodeName, f))
	}
	row("delivered msgs/s", rate, func(r *fanoutResult) float64 { return r.MsgsPerSec })
	row("latency p50 (ms)", fixed(1), func(r *fanoutResult) float64 { return r.P50Ms })
	row("latency p99 (ms)", fixed(1), func(r *fanoutResult) float64 { return r.P99Ms })
	row("latency max (ms)", fixed(1), func(r *fanoutResult) float64 { return r.MaxMs })
	row("server CPU per delivered msg (us)", fixed(2), func(r *fanoutResult) float64 { return r.CPUPerMsgUs })
	row("loadgen CPU per delivered msg (us)", fixed(2), func(r *fanoutResult) float64 { return r.LoadgenCPUPerMsgUs })
	if slices.ContainsFunc(rs, func(r *fanoutResult) bool { return r.WritesPerMsg > 0 }) {
		row("server write calls per delivered msg (-perf)", fixed(3), func(r *fanoutResult) float64 {
			if r.WriteCalls <= 0 {
				return math.NaN()
			}
			return r.WritesPerMsg
		})
	}
	tot := func(label string, f func(*fanoutResult) float64) {
		t.total(label, pick(rs, srv, hubName, f), pick(rs, srv, nodeName, f))
	}
	tot("lost (all rounds)", func(r *fanoutResult) float64 { return float64(r.Lost) })
	tot("duplicated (all rounds)", func(r *fanoutResult) float64 { return float64(r.Duplicated) })
	tot("failed posts (all rounds)", func(r *fanoutResult) float64 { return float64(r.PostErrors) })
	return t
}

func idleTable(title string, rs []*idleResult) *table {
	t := &table{title: title, cols: []string{hubName, nodeName, "iohub/node"}}
	srv := func(r *idleResult) string { return r.Server }
	row := func(label string, u unit, f func(*idleResult) float64) {
		t.compare(label, u, pick(rs, srv, hubName, f), pick(rs, srv, nodeName, f))
	}
	row("RSS per connection (KiB)", kib, func(r *idleResult) float64 { return r.BytesPerConn })
	row("server CPU per connect (us)", fixed(1), func(r *idleResult) float64 { return r.CPUPerConnUs })
	row("connects/s", rate, func(r *idleResult) float64 { return r.ConnsPerSec })
	row("RSS before (MiB)", fixed(1), func(r *idleResult) float64 { return float64(r.RSSBefore) / (1 << 20) })
	row("RSS with all connected (MiB)", fixed(1), func(r *idleResult) float64 { return float64(r.RSSAfter) / (1 << 20) })
	return t
}

// ackTable has node's column first, then per hub handler run (C, Go, JS) its
// column and its ratio to node.
func ackTable(title string, rs []*ackResult) *table {
	t := &table{title: title, cols: []string{nodeName}}
	// handlerOf names a run's row: node's, or the hub's handler ("c" before
	// the hub had several).
	handlerOf := func(r *ackResult) string {
		switch {
		case r.Server == nodeName:
			return nodeName
		case r.Handler == "":
			return "c"
		}
		return r.Handler
	}
	var kinds []string
	for _, k := range ackHandlers {
		if slices.ContainsFunc(rs, func(r *ackResult) bool { return handlerOf(r) == k }) {
			kinds = append(kinds, k)
			t.cols = append(t.cols, ackHandlerLabels[k], map[string]string{"c": "C", "go": "Go", "js": "JS"}[k]+"/node")
		}
	}
	cols := func(f func(*ackResult) float64) (base []float64, others [][]float64) {
		base = pick(rs, handlerOf, nodeName, f)
		for _, k := range kinds {
			others = append(others, pick(rs, handlerOf, k, f))
		}
		return base, others
	}
	row := func(label string, u unit, f func(*ackResult) float64) {
		base, others := cols(f)
		t.against(label, u, base, others...)
	}
	row("round trips/s", rate, func(r *ackResult) float64 { return r.PerSec })
	row("latency p50 (ms)", fixed(2), func(r *ackResult) float64 { return r.P50Ms })
	row("latency p99 (ms)", fixed(2), func(r *ackResult) float64 { return r.P99Ms })
	row("server CPU per round trip (us)", fixed(1), func(r *ackResult) float64 { return r.CPUPerRTUs })
	base, others := cols(func(r *ackResult) float64 { return float64(r.Failed) })
	t.totals("failed acks (all rounds)", base, others...)
	return t
}

// reloadTable compares the hub with itself: steady versus reloading.
func reloadTable(title string, rs []*reloadResult) *table {
	t := &table{title: title, cols: []string{"steady", "reloading", "reloading/steady"}, inverse: true}
	var steady, reloading []*ackResult
	for _, r := range rs {
		steady, reloading = append(steady, r.Steady), append(reloading, r.Reloading)
	}
	col := func(xs []*ackResult, f func(*ackResult) float64) []float64 {
		var out []float64
		for _, x := range xs {
			out = append(out, f(x))
		}
		return out
	}
	row := func(label string, u unit, f func(*ackResult) float64) {
		t.compare(label, u, col(steady, f), col(reloading, f))
	}
	row("round trips/s", rate, func(r *ackResult) float64 { return r.PerSec })
	row("latency p50 (ms)", fixed(2), func(r *ackResult) float64 { return r.P50Ms })
	row("latency p99 (ms)", fixed(2), func(r *ackResult) float64 { return r.P99Ms })
	row("latency max (ms)", fixed(1), func(r *ackResult) float64 { return r.MaxMs })
	row("server CPU per round trip (us)", fixed(1), func(r *ackResult) float64 { return r.CPUPerRTUs })
	t.total("failed acks (all rounds)",
		col(steady, func(r *ackResult) float64 { return float64(r.Failed) }),
		col(reloading, func(r *ackResult) float64 { return float64(r.Failed) }))
	t.total("module rewrites (all rounds)",
		col(steady, func(r *ackResult) float64 { return float64(r.Reloads) }),
		col(reloading, func(r *ackResult) float64 { return float64(r.Reloads) }))
	langs := map[string]bool{}
	for _, r := range reloading {
		for k := range r.ByLang {
			langs[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(langs)) {
		t.total("answered by "+k+" build",
			col(steady, func(r *ackResult) float64 { return float64(r.ByLang[k]) }),
			col(reloading, func(r *ackResult) float64 { return float64(r.ByLang[k]) }))
	}
	return t
}
