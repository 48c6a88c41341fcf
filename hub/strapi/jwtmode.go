package strapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Strapi's token regimes, as DetectJWTManagement reports them (and as
// auth.JWTLegacy and auth.JWTRefresh name them).
const (
	JWTLegacy  = "legacy"
	JWTRefresh = "refresh"
)

// Strapi does not publish its users-permissions jwtManagement setting to API
// tokens, but its refresh route shows it (measured on the e2e projects):
// POST /api/auth/refresh with an empty body answers 400 "Missing refresh
// token" in refresh mode, 404 in v5's legacy-support mode, and 405 on v4,
// which has no such route. The request carries no token and changes nothing.
const refreshPath = "/api/auth/refresh"

// DetectJWTManagement asks Strapi which token regime it is in:
// JWTRefresh or JWTLegacy. Any other answer is an error (the
// caller keeps what it knew).
func DetectJWTManagement(ctx context.Context, api API) (string, error) {
	status, _, err := api.Post(ctx, refreshPath, []byte("{}"))
	switch {
	case err != nil:
		return "", err
	case status == http.StatusBadRequest:
		return JWTRefresh, nil
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return JWTLegacy, nil
	}
	return "", fmt.Errorf("POST %s: status %d says neither legacy nor refresh mode", refreshPath, status)
}

// jwtWatch detects the mode and reports changes to set; failures keep the
// last mode and are logged at debug (the roles sync reports outages).
type jwtWatch struct {
	api  API
	set  func(mode string)
	log  *slog.Logger
	last string
}

func (w *jwtWatch) check(ctx context.Context) {
	mode, err := DetectJWTManagement(ctx, w.api)
	if err != nil {
		w.log.Debug("strapi: could not detect jwtManagement; keeping the last mode", "mode", w.last, "error", err.Error())
		return
	}
	if mode != w.last {
		w.last = mode
		w.set(mode)
		w.log.Info("strapi: jwtManagement detected", "mode", mode)
	}
}

// WatchJWTManagement detects the mode now and every interval until ctx ends,
// for hubs without an API token (with one, the Syncer does it on each sync).
func WatchJWTManagement(ctx context.Context, api API, interval time.Duration, set func(mode string), log *slog.Logger) {
	if interval <= 0 {
		interval = defaultSyncInterval
	}
	w := &jwtWatch{api: api, set: set, log: log}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		w.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
