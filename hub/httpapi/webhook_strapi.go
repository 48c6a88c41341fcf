package httpapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/iohub/iohub/hub/clienterr"
)

// Payload shapes (StrapiOptions.Payload).
const (
	PayloadREST  = "rest"
	PayloadFlat  = "flat"
	PayloadEntry = "entry"
)

// usersPermissionsUser is the uid of Strapi's users. Their webhooks tell the hub
// that a user changed (blocked, role, deleted) even when contentTypes does not
// forward them as content events.
const usersPermissionsUser = "plugin::users-permissions.user"

// syncTimeout bounds one POST /hub/strapi/sync: a role list plus one request per
// role, each bounded by strapi.timeout.
const syncTimeout = time.Minute

// StrapiOptions connect the webhook endpoint and POST /hub/strapi/sync to the
// hub's Strapi side. Every field is optional.
type StrapiOptions struct {
	// Payload is strapi.payload: "rest", "flat", "entry", or "" for the
	// version's default (rest for v4, flat for v5).
	Payload string
	// Version reports Strapi's major version (4 or 5), configured or detected;
	// 0 or a nil func means not known yet, and each entry then decides: one with
	// a documentId comes from v5.
	Version func() int
	// UserChanged is called when a users-permissions user webhook arrives: an
	// entry.update (blocked tells whether the user is now blocked) or an
	// entry.delete (deleted). It runs before the answer, so it must be quick.
	UserChanged func(id string, blocked, deleted bool)
	// Sync reads roles and permissions from Strapi now, for POST
	// /hub/strapi/sync; its result is the answer's body. nil: the hub's roles
	// come from hub.toml and the endpoint answers 409.
	Sync func(ctx context.Context) (any, error)
}

// SetStrapi installs the Strapi options. It may be called at any time; webhooks
// under way use the options they started with.
func (a *API) SetStrapi(o StrapiOptions) { a.strapi.Store(&o) }

func (a *API) strapiOptions() *StrapiOptions {
	if o := a.strapi.Load(); o != nil {
		return o
	}
	return &StrapiOptions{}
}

// payloadShape picks the payload shape for one entry.
func (a *API) payloadShape(entry map[string]any, o *StrapiOptions) string {
	if o.Payload != "" {
		return o.Payload
	}
	version := 0
	if o.Version != nil {
		version = o.Version()
	}
	switch version {
	case 4:
		return PayloadREST
	case 5:
		return PayloadFlat
	}
	if _, ok := entry["documentId"]; ok {
		return PayloadFlat
	}
	return PayloadREST
}

// shapePayload builds the content event's payload from a webhook entry:
//
//	rest   {"data": {"id": 1, "attributes": {"text": ..}}, "meta": {}}   Strapi v4's REST answer
//	flat   {"data": {"id": 1, "documentId": "..", "text": ..}, "meta": {}} Strapi v5's REST answer
//	entry  {"id": 1, "documentId": "..", "text": ..}                      the entry as Strapi sent it
//
// So clients parse a content event exactly like the REST answer of the Strapi
// version they already talk to. The entry is freshly decoded for this request,
// so flat and entry use it without copying.
func shapePayload(entry map[string]any, shape string) any {
	switch shape {
	case PayloadFlat:
		return map[string]any{"data": entry, "meta": map[string]any{}}
	case PayloadEntry:
		return entry
	}
	return restPayload(entry)
}

// userChanged tells the hub about a users-permissions user webhook.
func (a *API) userChanged(req *webhookRequest, o *StrapiOptions) {
	if o.UserChanged == nil || req.Entry == nil {
		return
	}
	id, ok := entryID(req.Entry["id"])
	if !ok {
		return
	}
	switch req.Event {
	case "entry.update":
		blocked, _ := req.Entry["blocked"].(bool)
		o.UserChanged(id, blocked, false)
	case "entry.delete":
		o.UserChanged(id, true, true)
	}
}

func (a *API) serveStrapiSync([]byte) (int, any, *apiError) {
	o := a.strapiOptions()
	if o.Sync == nil {
		return 0, nil, newError(http.StatusConflict, clienterr.StrapiSyncDisabled,
			"roles come from hub.toml: set [strapi] url and apiToken to read them from Strapi")
	}
	// Not the request's context: a sync that a hung-up caller started still
	// leaves a consistent table, and it is bounded anyway.
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	res, err := o.Sync(ctx)
	if err != nil {
		return 0, nil, newError(http.StatusBadGateway, clienterr.StrapiUnavailable,
			"could not read roles from Strapi, the last roles table stays in force: %v", err)
	}
	return http.StatusOK, res, nil
}

// maxModels bounds the model -> uid table; a Strapi app has far fewer types.
const maxModels = 4096

// modelUIDs remembers the uid of each model name seen in webhooks that carry
// both. Strapi v4 sends no uid with entry.publish/unpublish, only the model; a
// uid learnt from the same type's earlier create or update is exact, where
// api::<model>.<model> is a guess that fails for types whose API name differs
// from their singular name. The zero value is ready to use.
type modelUIDs struct {
	mu sync.Mutex
	m  map[string]string
}

// learn records uid for model when it is where Strapi puts a content type of
// that model name (contentTypeUID). Callers learn only from webhooks they
// forward.
func (t *modelUIDs) learn(model, uid string) {
	if !contentTypeUID(model, uid) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]string{}
	}
	if _, ok := t.m[model]; ok || len(t.m) < maxModels {
		t.m[model] = uid
	}
}

// uid returns the learnt uid of model, or "".
func (t *modelUIDs) uid(model string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[model]
}

// contentTypeUID reports whether uid is the uid Strapi gives a content type whose
// model name is model: "api::<api>.<model>", both names lowercase kebab-case as
// Strapi makes them. Only content types get v4's uid-less publish webhooks, so
// "plugin::<x>.<model>", "API::..." or a uid naming another model is never
// learnt (each would redirect the model's later publishes to other roles).
func contentTypeUID(model, uid string) bool {
	rest, ok := strings.CutPrefix(uid, "api::")
	if !ok {
		return false
	}
	api, m, ok := strings.Cut(rest, ".")
	return ok && m == model && kebabName(api) && kebabName(model)
}

// kebabName: a lowercase letter, then lowercase letters, digits and '-'.
func kebabName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
