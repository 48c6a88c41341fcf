package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/iohub/iohub/hub/access"
	"github.com/iohub/iohub/hub/clienterr"
)

// POST /hub/webhooks/strapi turns Strapi's own webhooks into content events, which
// is how the hub learns about changes without running inside Strapi. The lifecycle
// hooks strapi-plugin-io subscribed to become entry.* webhooks; contentTypes decides
// which are forwarded, exactly as it decided which lifecycles the plugin listened to.
//
// Strapi (v4 and v5) delivers webhooks at most once, with no retry, and drops failed
// deliveries without telling anyone. So anything the hub does not forward (media
// events, events it does not know, content types not in contentTypes, duplicates
// and late arrivals, see webhook_order.go) is answered 202 {"ignored": "<reason>"}
// and logged at debug level: not an error, just nothing to do. Only bodies that
// cannot be a Strapi webhook at all get a 4xx, which helps whoever is testing with
// curl. Unknown fields are ignored; Strapi adds some.
//
// Strapi waits at most 10 s for an answer and sends up to 5 webhooks at once, so
// the handler does only in-memory work before answering: decode, decide, emit
// (which queues frames for the sockets' writers).

// webhookActions maps the Strapi webhook events the hub forwards to content-event
// actions. Others, such as v5's entry.draft-discard, are ignored.
var webhookActions = map[string]string{
	"entry.create":    "create",
	"entry.update":    "update",
	"entry.delete":    "delete",
	"entry.publish":   "publish",
	"entry.unpublish": "unpublish",
}

// webhookRequest is a decoded Strapi webhook body,
// {"event": "entry.create", "createdAt": "..", "model": "message",
// "uid": "api::message.message", "entry": {...}}.
type webhookRequest struct {
	Event string
	Model string         // "" when absent
	UID   string         // "" when absent (v4 publish/unpublish)
	Entry map[string]any // set for entry.* events, nil otherwise
}

// ignoredResponse answers a webhook the hub deliberately does not forward.
type ignoredResponse struct {
	Ignored string `json:"ignored"`
}

// decodeWebhook parses a Strapi webhook body. event is required; entry is required
// and must be an object for entry.* events. Numbers stay json.Number.
func decodeWebhook(body []byte) (*webhookRequest, *apiError) {
	obj, e := parseObject(body)
	if e != nil {
		return nil, e
	}
	req := &webhookRequest{}
	if req.Event, e = obj.reqString("event"); e != nil {
		return nil, e
	}
	if req.Model, _, e = obj.optString("model"); e != nil {
		return nil, e
	}
	if req.UID, _, e = obj.optString("uid"); e != nil {
		return nil, e
	}
	if !strings.HasPrefix(req.Event, "entry.") {
		return req, nil // media.* and others carry no entry; see webhookEvent
	}
	raw, ok := obj["entry"]
	if !ok || isNull(raw) {
		return nil, errMissing("entry")
	}
	v, e := obj.anyValue("entry")
	if e != nil {
		return nil, e
	}
	entry, ok := v.(map[string]any)
	if !ok {
		return nil, errInvalid("field %q must be an object, got %s", "entry", jsonKind(raw))
	}
	req.Entry = entry
	return req, nil
}

// webhookEvent maps a decoded webhook to the content event it announces. It returns
// a non-empty ignored reason for events the hub does not forward, and an error when
// the webhook names no usable content type. contentTypes is applied by the caller.
func webhookEvent(req *webhookRequest) (ev access.ContentEvent, ignored string, e *apiError) {
	action, ok := webhookActions[req.Event]
	if !ok {
		if strings.HasPrefix(req.Event, "media.") {
			return ev, fmt.Sprintf("media events are not forwarded (got %q)", req.Event), nil
		}
		return ev, fmt.Sprintf("unknown webhook event %q", req.Event), nil
	}
	uid, field := req.UID, "uid"
	if uid == "" {
		if req.Model == "" {
			return ev, "", newError(http.StatusBadRequest, clienterr.MissingField, "field %q is required (or %q, from which it is derived)", "uid", "model")
		}
		// Strapi v4 sends no uid with entry.publish/unpublish, only the model's
		// singular name. Content types made in the admin panel get the uid
		// api::<singularName>.<singularName>, so that is assumed here. It is a
		// heuristic: a type whose API name differs from its singular name, or a
		// plugin type, is misnamed, which is why uid wins whenever it is present.
		uid, field = "api::"+req.Model+"."+req.Model, "model"
	}
	if _, ok := access.APIName(uid); !ok {
		if field == "model" {
			return ev, "", errInvalid("field %q: %q does not name a content type", "model", req.Model)
		}
		return ev, "", errInvalid("field %q must look like \"<namespace>::<name>.<type>\", got %q", "uid", uid)
	}
	ev, err := access.NewContentEvent(uid, action)
	if err != nil {
		// Unreachable: uid was checked above and action comes from webhookActions.
		return ev, "", errInvalid("field %q: %v", field, err)
	}
	return ev, "", nil
}

// restPayload shapes a webhook entry like the Strapi v4 REST response
// (GET /api/messages/1) that clients of strapi-plugin-io already parse:
// {"data": {"id": <id>, "attributes": {<the other fields>}}, "meta": {}}.
// A v5 entry keeps its documentId among the attributes. The entry is not modified.
// The other shapes are in webhook_strapi.go.
func restPayload(entry map[string]any) map[string]any {
	attrs := make(map[string]any, len(entry))
	for k, v := range entry {
		if k != "id" {
			attrs[k] = v
		}
	}
	return map[string]any{
		"data": map[string]any{"id": entry["id"], "attributes": attrs},
		"meta": map[string]any{},
	}
}

func (a *API) serveWebhook(body []byte) (int, any, *apiError) {
	req, e := decodeWebhook(body)
	if e != nil {
		return 0, nil, e
	}
	opts := a.strapiOptions()
	uidGiven := req.UID != ""
	if !uidGiven {
		// v4 publish/unpublish: the uid this model had in an earlier webhook.
		req.UID = a.models.uid(req.Model)
	}
	ev, ignored, e := webhookEvent(req)
	if e != nil {
		return 0, nil, e
	}
	if ignored == "" && ev.UID == usersPermissionsUser {
		a.userChanged(req, opts)
	}
	if ignored == "" {
		ignored = a.filter(ev)
	}
	if ignored == "" && uidGiven {
		// Only a webhook the hub forwards teaches the table, so one it
		// refuses or filters out cannot redirect a later uid-less publish.
		a.models.learn(req.Model, req.UID)
	}
	if ignored == "" {
		ignored = a.docs.admit(req, ev, time.Now())
	}
	if ignored != "" {
		a.obs.Webhook(WebhookIgnored)
		a.log.Debug("api: strapi webhook ignored", "event", req.Event, "uid", req.UID, "model", req.Model, "reason", ignored)
		return http.StatusAccepted, ignoredResponse{Ignored: ignored}, nil
	}
	rooms := a.em.EmitContent(ev, shapePayload(req.Entry, a.payloadShape(req.Entry, opts)))
	a.obs.Webhook(WebhookForwarded)
	a.log.Debug("api: strapi webhook forwarded", "event", req.Event, "uid", ev.UID, "as", ev.Name(), "rooms", rooms)
	return http.StatusAccepted, emitResponse{Event: ev.Name(), Rooms: nonNil(rooms)}, nil
}

// filter applies contentTypes and returns why ev is not forwarded, or "".
// contentTypes = "*" means every api:: type, as the plugin's "*" meant the app's
// content types: plugin:: types (users-permissions users carry emails and the
// blocked flag) are forwarded only when named explicitly.
func (a *API) filter(ev access.ContentEvent) string {
	types := a.types()
	if types == nil && !strings.HasPrefix(ev.UID, "api::") {
		return fmt.Sprintf("%s is a plugin content type; name %q in contentTypes to forward it", ev.UID, ev.APIName)
	}
	if !types.allows(ev.APIName, ev.Action) {
		return fmt.Sprintf("content type %q with action %q is not enabled in contentTypes", ev.APIName, ev.Action)
	}
	return ""
}
