//go:build linux

package main

import (
	"math"
	"strings"
	"testing"
)

func TestQuantiles(t *testing.T) {
	lats := []int32{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	q := quantilesUs(lats, 0.5, 0.99, 1, 0)
	want := []float64{5, 10, 10, 1}
	for i := range want {
		if q[i] != want[i] {
			t.Errorf("quantile %d = %v, want %v", i, q[i], want[i])
		}
	}
	if q := quantilesUs(nil, 0.5); !math.IsNaN(q[0]) {
		t.Errorf("empty: %v", q)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{math.NaN(), 7}, 7},
	}
	for _, tc := range tests {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
}

func TestTables(t *testing.T) {
	rs := []*fanoutResult{
		{Server: hubName, MsgsPerSec: 100e3, CPUPerMsgUs: 5, Lost: 1},
		{Server: hubName, MsgsPerSec: 120e3, CPUPerMsgUs: 7},
		{Server: nodeName, MsgsPerSec: 50e3, CPUPerMsgUs: 12},
	}
	var b strings.Builder
	fanoutTable("t", rs).write(&b)
	out := b.String()
	for _, want := range []string{
		"| delivered msgs/s ", "110.0k", "50.0k", "2.20x", // medians and ratio
		"0.50x", // CPU 6 vs 12
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// Correctness counts are totals over rounds, not medians.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| lost") {
			if f := strings.Fields(strings.ReplaceAll(line, "|", " ")); len(f) < 5 || f[3] != "1" || f[4] != "0" {
				t.Errorf("lost row %q, want 1 and 0", line)
			}
		}
	}
	rl := reloadTable("r", []*reloadResult{{
		Steady:    &ackResult{PerSec: 100, ByLang: map[string]int64{"c": 10}},
		Reloading: &ackResult{PerSec: 90, Reloads: 3, ByLang: map[string]int64{"c": 5, "rust": 4}},
	}})
	b.Reset()
	rl.write(&b)
	if out := b.String(); !strings.Contains(out, "0.90x") || !strings.Contains(out, "answered by rust build") {
		t.Errorf("reload table:\n%s", out)
	}
}

func TestAckTable(t *testing.T) {
	rs := []*ackResult{
		{Server: nodeName, PerSec: 10e3, CPUPerRTUs: 100},
		{Server: hubName, Handler: "c", PerSec: 30e3, CPUPerRTUs: 20, Failed: 2},
		{Server: hubName, Handler: "js", PerSec: 15e3, CPUPerRTUs: 50},
		{Server: nodeName, PerSec: 12e3, CPUPerRTUs: 100},
	}
	var b strings.Builder
	ackTable("c", rs).write(&b)
	out := b.String()
	for _, want := range []string{
		"node | iohub (C SDK) | C/node | iohub (JS) | JS/node |", // no Go column: no Go run
		"11.0k", "30.0k", "2.73x", "15.0k", "1.36x", // medians and ratios against node
		"0.20x", "0.50x", // CPU
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ack table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| failed") {
			if f := strings.Fields(strings.ReplaceAll(line, "|", " ")); len(f) != 7 || f[4] != "0" || f[5] != "2" || f[6] != "0" {
				t.Errorf("failed row %q, want 0, 2, 0", line)
			}
		}
	}
}
