//lint:file-ignore ST1005 the handshake messages are strapi-plugin-io's, verbatim (capitalised, "Invalid token." with its full stop): clients match on them.

// Package clienterr lists every error a client of the hub can see, in one place:
// what a Socket.IO client receives in connect_error and in an ack, and the codes
// the HTTP API puts in its JSON error bodies. Each is an Error: a stable Code to
// branch on and a Message for people. These strings are part of the product's
// contract (clients match on them), so they change only with a major version.
package clienterr

import "errors"

// Error is an error a client sees: Code is stable and machine-readable, Message
// is for people. The well-known values are the Err* variables of this package;
// the HTTP API also makes Errors with one of its codes and a message naming the
// field or value at fault.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Error returns the message, the text clients match on.
func (e *Error) Error() string { return e.Message }

// Handshake errors. A socket.io-client sees err.message equal to the Message in
// its connect_error event, and err.data.code equal to the Code. The texts are
// those of strapi-plugin-io, so client code written against the plugin keeps
// working.
var (
	// ErrInvalidToken refuses a socket whose auth.token is malformed, badly signed,
	// expired, not yet valid, uses a disallowed algorithm, or fails iss/aud checks.
	ErrInvalidToken = &Error{Code: InvalidTokenCode, Message: "Invalid token."}

	// ErrInvalidCredentials refuses a socket whose token is valid but whose user is
	// blocked, or unconfirmed while auth.requireConfirmed is on.
	ErrInvalidCredentials = &Error{Code: InvalidCredentialsCode, Message: "Invalid credentials"}

	// ErrAuthUnavailable refuses a socket when the role must come from Strapi
	// ([strapi] url) and Strapi could not be asked. The hub fails closed rather than
	// guess a role.
	ErrAuthUnavailable = &Error{Code: AuthUnavailableCode, Message: "Authentication unavailable"}

	// ErrTooManyConnections refuses a socket when this node holds
	// limits.maxConnections sockets, or its client address holds
	// limits.maxConnectionsPerIP. The client may try again later.
	ErrTooManyConnections = &Error{Code: TooManyConnectionsCode, Message: "Too many connections"}

	// ErrTooManyHandshakes refuses a socket whose client address started more
	// handshakes than limits.handshakesPerSecondPerIP allows. The client may try
	// again after a second or so.
	ErrTooManyHandshakes = &Error{Code: TooManyHandshakesCode, Message: "Too many handshakes"}
)

// Code is a stable, machine-readable HTTP API error code, sent as
// {"error": {"code": "<Code>", "message": "..."}}.
type Code string

// HTTP API error codes.
const (
	// Unauthorized: the Authorization header is missing, not a Bearer token, or the
	// token is not one of api.tokens. HTTP 401.
	Unauthorized Code = "unauthorized"
	// BadJSON: the body is not valid JSON, or JSON of the wrong shape. HTTP 400.
	BadJSON Code = "bad_json"
	// MissingField: a required field is absent or empty. HTTP 400.
	MissingField Code = "missing_field"
	// InvalidField: a field is present but its value is not acceptable. HTTP 400.
	InvalidField Code = "invalid_field"
	// BodyTooLarge: the body exceeds api.maxBodySize. HTTP 413.
	BodyTooLarge Code = "body_too_large"
	// BodyTimeout: the body did not arrive within http.readTimeout. HTTP 408.
	BodyTimeout Code = "body_timeout"
	// MethodNotAllowed: the path exists but not for this method. HTTP 405.
	MethodNotAllowed Code = "method_not_allowed"
	// NotFound: no such API path. HTTP 404.
	NotFound Code = "not_found"
	// StrapiSyncDisabled: POST /hub/strapi/sync on a hub without [strapi] url and
	// apiToken, whose roles come from hub.toml. HTTP 409.
	StrapiSyncDisabled Code = "strapi_sync_disabled"
	// StrapiUnavailable: the hub could not read roles from Strapi (unreachable,
	// token refused, unexpected answer); the last roles table stays in force.
	// HTTP 502.
	StrapiUnavailable Code = "strapi_unavailable"
	// InvalidConfig: POST /hub/reload found the config file invalid (the
	// answer's error.problems lists why); nothing changed. HTTP 422.
	InvalidConfig Code = "invalid_config"
	// ReloadDisabled: POST /hub/reload on a hub that was not built from a
	// config file. HTTP 409.
	ReloadDisabled Code = "reload_disabled"
)

// Internal is the code of the one 5xx the API can send: a bug in the hub, caught
// and logged. Bad input never produces it. HTTP 500.
const Internal Code = "internal"

// Handshake codes, sent beside the message as connect_error's err.data.code, so
// clients can branch on something sturdier than the text (and because the Go
// socket.io client rejects a connect_error without data).
const (
	InvalidTokenCode       Code = "invalid_token"
	InvalidCredentialsCode Code = "invalid_credentials"
	AuthUnavailableCode    Code = "auth_unavailable"
	TooManyConnectionsCode Code = "too_many_connections"
	TooManyHandshakesCode  Code = "too_many_handshakes"
)

// Handshake returns what a refused socket is told: the Error's message and
// code. Errors that are not an Error are reported as an invalid token, so no
// internal detail reaches a client.
func Handshake(err error) (message string, code Code) {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message, e.Code
	}
	return ErrInvalidToken.Message, ErrInvalidToken.Code
}
