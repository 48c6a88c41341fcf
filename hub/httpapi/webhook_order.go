package httpapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/iohub/iohub/hub/access"
)

// Strapi's webhooks do not arrive as one clean event per change, in order:
//
//   - v5 sends one entry.delete per version of a document (draft and published),
//     so deleting one message would reach clients twice;
//   - deliveries run up to 5 at a time, so a create and the delete right after
//     it, or two quick updates, may arrive swapped.
//
// docTracker remembers, for orderWindow, what was forwarded per document (keyed
// by uid, documentId (v5) or id (v4), and locale) and holds back:
//
//   - duplicates: the same event with the same updatedAt and publishedAt (for
//     entry.delete: any second delete of the document);
//   - late events: anything but a delete after the document's delete arrived;
//   - stale updates: an entry.update/publish/unpublish whose updatedAt is older
//     than one already forwarded for the same version of the document. v5 keeps
//     a draft and a published version with their own updatedAt (an unpublish
//     carries the published one, older than a draft saved since), so v5
//     documents are ordered per version; v4 has one row per entry.
//
// Creates are never held back as stale (a role that may only receive creates
// would lose them), and nothing is held back after orderWindow: by then Strapi
// has given up on any delivery still pending (10 s timeout). Ids, documentIds
// and timestamps are compared as Strapi wrote them; no clock of the hub is
// involved except to expire what is remembered.

// orderWindow is how long the tracker remembers a forwarded event.
const orderWindow = 15 * time.Second

// maxTracked bounds the tracker's memory under a flood of webhooks; past it the
// oldest memories go first.
const maxTracked = 100_000

type docTracker struct {
	mu     sync.Mutex
	seen   map[string]time.Time // event fingerprint -> when forwarded
	gone   map[string]time.Time // document -> when its delete was forwarded
	newest map[string]newest    // document version -> newest updatedAt forwarded
	queue  []memo               // every insertion, oldest first, for expiry
	head   int
}

type newest struct {
	updatedAt time.Time
	at        time.Time // when recorded
}

type memo struct {
	table *map[string]time.Time // nil: newest
	key   string
	at    time.Time
}

// admit decides whether a webhook entry is forwarded, and remembers it if so. It
// returns why not, or "".
func (t *docTracker) admit(req *webhookRequest, ev access.ContentEvent, now time.Time) string {
	doc, v5, ok := documentKey(req.Entry)
	if !ok {
		return "" // nothing to recognise the document by
	}
	base := ev.UID + "\x00" + doc
	t.mu.Lock()
	defer t.mu.Unlock()
	t.init()
	t.expire(now)

	if _, gone := t.gone[base]; gone {
		if ev.Action == "delete" {
			return "duplicate entry.delete: this document's delete was already forwarded (Strapi v5 sends one per version)"
		}
		return fmt.Sprintf("late %s: this document's entry.delete already arrived", req.Event)
	}
	if ev.Action == "delete" {
		t.remember(&t.gone, base, now)
		return ""
	}
	updated, _ := req.Entry["updatedAt"].(string)
	fp := req.Event + "\x00" + base + "\x00" + updated + "\x00" + jsonText(req.Entry["publishedAt"])
	if _, dup := t.seen[fp]; dup {
		return fmt.Sprintf("duplicate %s: the same event for this document was already forwarded", req.Event)
	}
	if ev.Action == "update" || ev.Action == "publish" || ev.Action == "unpublish" {
		if u, err := time.Parse(time.RFC3339Nano, updated); err == nil {
			version := base
			if v5 {
				version += "\x00" + strconv.FormatBool(req.Entry["publishedAt"] != nil)
			}
			if n, ok := t.newest[version]; ok && u.Before(n.updatedAt) {
				return fmt.Sprintf("stale %s: an event with a newer updatedAt was already forwarded for this document", req.Event)
			}
			if n, ok := t.newest[version]; !ok || u.After(n.updatedAt) {
				t.newest[version] = newest{updatedAt: u, at: now}
				t.queue = append(t.queue, memo{key: version, at: now})
			}
		}
	}
	t.remember(&t.seen, fp, now)
	return ""
}

func (t *docTracker) init() {
	if t.seen == nil {
		t.seen, t.gone, t.newest = map[string]time.Time{}, map[string]time.Time{}, map[string]newest{}
	}
}

func (t *docTracker) remember(table *map[string]time.Time, key string, now time.Time) {
	(*table)[key] = now
	t.queue = append(t.queue, memo{table: table, key: key, at: now})
}

// expire forgets what is older than orderWindow, and the oldest memories beyond
// maxTracked. A memo whose key was remembered again later leaves the newer one.
func (t *docTracker) expire(now time.Time) {
	for t.head < len(t.queue) {
		m := t.queue[t.head]
		if now.Sub(m.at) < orderWindow && len(t.queue)-t.head <= maxTracked {
			break
		}
		if m.table != nil {
			if at, ok := (*m.table)[m.key]; ok && !at.After(m.at) {
				delete(*m.table, m.key)
			}
		} else if n, ok := t.newest[m.key]; ok && !n.at.After(m.at) {
			delete(t.newest, m.key)
		}
		t.queue[t.head] = memo{}
		t.head++
	}
	if t.head > len(t.queue)/2 {
		t.queue = append(t.queue[:0], t.queue[t.head:]...)
		t.head = 0
	}
}

// documentKey identifies the document an entry belongs to: its documentId (v5,
// shared by the draft and published versions) or its id (v4), and its locale.
func documentKey(entry map[string]any) (key string, v5, ok bool) {
	if doc, isStr := entry["documentId"].(string); isStr && doc != "" {
		key, v5 = "doc:"+doc, true
	} else if id, isID := entryID(entry["id"]); isID {
		key = "id:" + id
	} else {
		return "", false, false
	}
	if loc, isStr := entry["locale"].(string); isStr {
		key += "\x00" + loc
	}
	return key, v5, true
}

// entryID renders an entry's id (a JSON number, or a string) as text.
func entryID(v any) (string, bool) {
	switch id := v.(type) {
	case json.Number:
		return id.String(), id != ""
	case string:
		return id, id != ""
	case float64:
		return strconv.FormatFloat(id, 'f', -1, 64), true
	}
	return "", false
}

// jsonText renders a scalar for a fingerprint ("" for null or absent).
func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
