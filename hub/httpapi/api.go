// Package httpapi serves the hub's HTTP API on the hub's listener, under /hub/:
// POST /hub/emit (permission-checked content events), POST /hub/raw (unchecked
// emits to rooms or everyone), POST /hub/webhooks/strapi (Strapi v4/v5 webhooks
// turned into content events), POST /hub/strapi/sync (read roles from Strapi now),
// POST /hub/reload (re-read the config, see SetReload), GET /hub/metrics
// (Prometheus, see SetMetrics) and GET /hub/health.
//
// It is a source: it decodes and authenticates requests and drives an Emitter, and
// knows nothing about sockets. Every answer but the metrics is JSON; every client error is
// {"error": {"code": "<clienterr.Code>", "message": "..."}} with a 4xx status, so
// callers can branch on the code and humans can read the message. No input yields a
// 5xx (only /hub/strapi/sync answers 502, when Strapi fails); a panic (a bug) is
// logged and answered 500 as a last resort.
package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/clienterr"
)

// Emitter is what the HTTP API drives; the realtime package implements it. It
// sanitises content payloads itself.
type Emitter interface {
	// EmitContent sends a permission-checked content event (ev.Name() to every role
	// room allowed to receive it) and returns those rooms, sorted.
	EmitContent(ev access.ContentEvent, data any) (rooms []string)
	// EmitRaw sends event with data, unchecked, to the union of rooms (one copy per
	// socket), or to every socket when rooms is empty.
	EmitRaw(event string, data any, rooms []string) error // error only for an event name Socket.IO reserves
}

// routeWebhook is the webhook route's name, whose 4xx answers are refused
// webhooks.
const routeWebhook = "webhook_strapi"

// Pacer is implemented by emitters that can tell a source to slow down: Pace
// returns when the hub's sockets have caught up with what it accepted (or ctx
// ends). The emit endpoints call it before answering.
type Pacer interface {
	Pace(ctx context.Context)
}

// defaultMaxBodySize is Options.MaxBodySize's default, as api.maxBodySize's.
const defaultMaxBodySize = 1 << 20

// Options are the API's settings ([api] and contentTypes); SetOptions
// replaces them while it serves.
type Options struct {
	// Tokens are the accepted bearer tokens; empty ones are ignored. nil:
	// every request that needs a token is refused.
	Tokens []string
	// MaxBodySize is the largest request body, in bytes. 0 (or less): 1 MiB.
	MaxBodySize int64
	// ContentTypes picks the content events webhooks produce: an apiName
	// ("message" for api::message.message) maps to its actions (find,
	// findOne, create, update, delete, publish, unpublish, createOrUpdate,
	// bulkDelete; "*": every one). nil: every api:: content type and action
	// (plugin:: ones only when named); an empty map: none.
	ContentTypes map[string][]string
}

// contentTypes is Options.ContentTypes; nil allows every api:: type.
type contentTypes map[string][]string

// allows reports whether events for action on apiName are forwarded.
func (c contentTypes) allows(apiName, action string) bool {
	if c == nil {
		return true
	}
	acts := c[apiName]
	return slices.Contains(acts, "*") || slices.Contains(acts, action)
}

// API is the http.Handler for /hub/. Its settings change only through its Set
// methods (a config reload); it is safe for concurrent use.
type API struct {
	tokens       atomic.Pointer[[][sha256.Size]byte] // SHA-256 of each api.tokens entry
	maxBody      atomic.Int64
	contentTypes atomic.Pointer[contentTypes]
	em           Emitter
	log          *slog.Logger
	health       atomic.Pointer[func() map[string]any]
	routes       map[string]route
	strapi       atomic.Pointer[StrapiOptions] // see SetStrapi; nil = defaults
	docs         docTracker                    // webhook duplicates and order (webhook_order.go)
	models       modelUIDs                     // v4 model -> uid, learnt from webhooks
	obs          Observer                      // see SetObserver
	metrics      atomic.Pointer[http.Handler]  // see SetMetrics
	reload       atomic.Pointer[ReloadFunc]    // see SetReload
}

// route is one endpoint. Handlers get the body already read (nil when body is false)
// and return the status and value to encode, or a client error.
type route struct {
	name    string   // the route label of the request metrics
	methods []string // allowed methods; their join is the Allow header
	public  bool     // no token needed
	body    bool     // read the body (bounded by api.maxBodySize) before handle
	paced   bool     // answer only once the emitter has caught up (Pacer)
	handle  func(body []byte) (int, any, *apiError)
	// serve, when set, writes the answer itself (not JSON) instead of handle.
	serve func(w http.ResponseWriter, r *http.Request)
}

// New builds the API. em must not be nil; a nil logger discards logs.
func New(opts Options, em Emitter, logger *slog.Logger) *API {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &API{
		em:  em,
		log: logger,
		obs: nopObserver{},
	}
	a.SetOptions(opts)
	post := []string{http.MethodPost}
	a.routes = map[string]route{
		"/hub/emit":            {name: "emit", methods: post, body: true, paced: true, handle: a.serveEmit},
		"/hub/raw":             {name: "raw", methods: post, body: true, paced: true, handle: a.serveRaw},
		"/hub/webhooks/strapi": {name: routeWebhook, methods: post, body: true, paced: true, handle: a.serveWebhook},
		"/hub/health":          {name: "health", methods: []string{http.MethodGet, http.MethodHead}, public: true, handle: a.serveHealth},
		"/hub/strapi/sync":     {name: "strapi_sync", methods: post, handle: a.serveStrapiSync},
		"/hub/metrics":         {name: "metrics", methods: []string{http.MethodGet}, serve: a.serveMetrics},
		"/hub/reload":          {name: "reload", methods: post, handle: a.serveReload},
	}
	return a
}

// SetOptions installs opts: the bearer tokens and the body limit apply from
// the next request, the content types from the next webhook.
func (a *API) SetOptions(opts Options) {
	var tokens [][sha256.Size]byte
	for _, t := range opts.Tokens {
		if t != "" { // an empty token would let "Bearer " through
			tokens = append(tokens, sha256.Sum256([]byte(t)))
		}
	}
	a.tokens.Store(&tokens)
	maxBody := opts.MaxBodySize
	if maxBody <= 0 {
		maxBody = defaultMaxBodySize
	}
	a.maxBody.Store(maxBody)
	ct := contentTypes(maps.Clone(opts.ContentTypes))
	a.contentTypes.Store(&ct)
}

func (a *API) types() contentTypes { return *a.contentTypes.Load() }

// ServeHTTP routes r by its full path (the hub mounts the API at "/hub/" of its mux,
// without stripping the prefix). Checks run in this order: path (404), method (405),
// token (401), body size (413), body (400).
func (a *API) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw}
	rt, ok := a.routes[r.URL.Path]
	name := rt.name
	if !ok {
		name = routeUnknown
	}
	defer func() {
		// After recoverPanic (deferred later, so run first) wrote its 500.
		a.obs.Request(name, w.code())
		if name == routeWebhook && w.code() >= 400 {
			a.obs.Webhook(WebhookRefused)
		}
	}()
	defer a.recoverPanic(w, r)
	if !ok {
		a.fail(w, r, newError(http.StatusNotFound, clienterr.NotFound,
			"no API endpoint at %q; the hub serves POST /hub/emit, POST /hub/raw, POST /hub/webhooks/strapi, POST /hub/strapi/sync, POST /hub/reload, GET /hub/metrics and GET /hub/health", r.URL.Path))
		return
	}
	if !slices.Contains(rt.methods, r.Method) {
		allow := strings.Join(rt.methods, ", ")
		e := newError(http.StatusMethodNotAllowed, clienterr.MethodNotAllowed, "method %s is not allowed on %s; use %s", r.Method, r.URL.Path, allow)
		e.allow = allow
		a.fail(w, r, e)
		return
	}
	if !rt.public {
		if e := a.authorize(r); e != nil {
			a.fail(w, r, e)
			return
		}
	}
	if rt.serve != nil {
		rt.serve(w, r)
		return
	}
	var body []byte
	if rt.body {
		var e *apiError
		if body, e = a.readBody(w, r); e != nil {
			a.fail(w, r, e)
			return
		}
	}
	status, resp, e := rt.handle(body)
	if e != nil {
		a.fail(w, r, e)
		return
	}
	if p, ok := a.em.(Pacer); ok && rt.paced {
		p.Pace(r.Context())
	}
	writeJSON(w, r, status, resp)
}

// authorize checks "Authorization: Bearer <token>" against every configured token.
// Tokens are compared as SHA-256 digests with crypto/subtle, and all of them are
// compared every time, so neither the timing nor the number of comparisons tells a
// caller how close a guess was, or how long the tokens are.
func (a *API) authorize(r *http.Request) *apiError {
	tokens := *a.tokens.Load()
	if len(tokens) == 0 {
		return errUnauthorized("no api.tokens configured; the HTTP API is disabled")
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return errUnauthorized(`missing Authorization header; expected "Authorization: Bearer <token>"`)
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") { // schemes are case-insensitive (RFC 9110)
		return errUnauthorized(`Authorization scheme must be Bearer; expected "Authorization: Bearer <token>"`)
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	match := 0
	for i := range tokens {
		match |= subtle.ConstantTimeCompare(sum[:], tokens[i][:])
	}
	if match != 1 {
		return errUnauthorized("invalid bearer token")
	}
	return nil
}

// readBody reads the whole body, at most api.maxBodySize bytes.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	maxBody := a.maxBody.Load()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return nil, newError(http.StatusRequestEntityTooLarge, clienterr.BodyTooLarge,
				"body exceeds api.maxBodySize (%d bytes)", maxBody)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, newError(http.StatusRequestTimeout, clienterr.BodyTimeout,
				"the body did not arrive within http.readTimeout")
		}
		return nil, errBadJSON("could not read body: %v", err)
	}
	return body, nil
}

// fail writes a client error. 4xx answers are logged at debug level only: they are
// the caller's business, and a misconfigured client would otherwise flood the log.
func (a *API) fail(w http.ResponseWriter, r *http.Request, e *apiError) {
	a.log.Debug("api: request refused", "method", r.Method, "path", r.URL.Path,
		"status", e.Status, "code", string(e.Code), "message", e.Message)
	switch {
	case e.Status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", "Bearer")
	case e.allow != "":
		w.Header().Set("Allow", e.allow)
	}
	writeJSON(w, r, e.Status, errorBody{Error: errorDetail{Error: clienterr.Error{Code: e.Code, Message: e.Message}, Problems: e.problems}})
}

// recoverPanic is the last resort: a panic below ServeHTTP is a bug, not the
// caller's fault, so it is logged with the request and answered 500. If the handler
// had already started the answer, the 500 cannot replace it; the log still records
// it. http.ErrAbortHandler is re-panicked, as net/http expects.
func (a *API) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	a.log.Error("api: panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
	// clienterr has no code for server faults (they are not client errors); the
	// answer keeps the error shape with an empty code.
	writeJSON(w, r, http.StatusInternalServerError, errorBody{Error: errorDetail{Error: clienterr.Error{Code: clienterr.Internal, Message: "internal error; see the hub's log"}}})
}

// writeJSON encodes v as the answer. HTML escaping is off so messages keep their
// "<token>" placeholders readable. HEAD answers get the headers only.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Our answers are plain structs and maps of decoded JSON; they always encode.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error: could not encode the answer"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
