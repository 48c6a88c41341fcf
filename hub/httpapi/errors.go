package httpapi

import (
	"fmt"
	"net/http"

	"github.com/iohub/iohub/hub/clienterr"
)

// apiError is a client error the API answers with
// {"error": {"code": "<Code>", "message": "..."}}. Decoders return it instead of a Go
// error so that every failure carries its HTTP status and stable code from the start;
// no code path has to guess a status later, which is how "never a 500" stays true.
//
// Codes are chosen as follows: bad_json for the body as a whole (not JSON, not an
// object, data after the object, an unknown field), missing_field when a required
// field is absent, null or empty, invalid_field when a named field is present but its
// type or value is not acceptable.
type apiError struct {
	Status  int
	Code    clienterr.Code
	Message string
	allow   string // Allow header for 405 answers
	// problems, when set, are listed in the answer (invalid_config).
	problems []string
}

func (e *apiError) Error() string { return string(e.Code) + ": " + e.Message }

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is a clienterr.Error, with the problems of an invalid_config.
type errorDetail struct {
	clienterr.Error
	Problems []string `json:"problems,omitempty"`
}

func newError(status int, code clienterr.Code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errBadJSON(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, clienterr.BadJSON, format, args...)
}

func errMissing(field string) *apiError {
	return newError(http.StatusBadRequest, clienterr.MissingField, "field %q is required", field)
}

func errInvalid(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, clienterr.InvalidField, format, args...)
}

func errUnauthorized(format string, args ...any) *apiError {
	return newError(http.StatusUnauthorized, clienterr.Unauthorized, format, args...)
}
