package metrics

import "sync"

// Caps on label values whose set is not fixed in code.
const (
	maxHandlerNames = 200 // handler (plugin module) names, from the operator's files
	maxReasons      = 16  // refusal and drop reasons, from the hub's own constants
)

// boundedLabel admits at most max distinct values of a label; later ones are
// reported as Other. The values come from the hub's code or the operator's
// config, never from clients, but a cap keeps a mistake (or a plugins
// directory with thousands of files) from growing the series without end.
type boundedLabel struct {
	mu   sync.Mutex
	seen map[string]struct{}
	max  int
}

func newBoundedLabel(max int) *boundedLabel {
	return &boundedLabel{seen: map[string]struct{}{}, max: max}
}

func (b *boundedLabel) value(v string) string {
	if v == "" {
		return Other
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[v]; ok {
		return v
	}
	if len(b.seen) >= b.max {
		return Other
	}
	b.seen[v] = struct{}{}
	return v
}
