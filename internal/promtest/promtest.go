// Package promtest scrapes a hub's GET /hub/metrics for tests and reads
// values out of it.
package promtest

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Scrape is one scrape: the text as served and its families by name.
type Scrape struct {
	Text     string
	Families map[string]*dto.MetricFamily
}

// Get scrapes baseURL + "/hub/metrics" with the bearer token and fails the
// test unless it answers 200 in the Prometheus text format.
func Get(t testing.TB, baseURL, token string) *Scrape {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/hub/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /hub/metrics: %d %s", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /hub/metrics: Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("GET /hub/metrics: not the Prometheus text format: %v\n%s", err, body)
	}
	return &Scrape{Text: string(body), Families: fams}
}

// Value is the value of the series of family name whose labels include
// labels (name=value pairs), summed over the series that match; ok is false
// when the family or no such series exists. Counters, gauges and untyped
// values are read; a histogram gives its sample count.
func (s *Scrape) Value(name string, labels ...string) (v float64, ok bool) {
	f := s.Families[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if !matches(m, labels) {
			continue
		}
		ok = true
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Untyped != nil:
			v += m.Untyped.GetValue()
		case m.Histogram != nil:
			v += float64(m.Histogram.GetSampleCount())
		}
	}
	return v, ok
}

func matches(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// LabelValues lists every label value of every series, sorted, for checks
// that no client-controlled string became one.
func (s *Scrape) LabelValues() []string {
	var out []string
	for _, f := range s.Families {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				out = append(out, lp.GetValue())
			}
		}
	}
	sort.Strings(out)
	return out
}
