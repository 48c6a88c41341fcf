package httpapi

import "net/http"

// GET /hub/health (and HEAD) answers 200 {"status": "ok"} while the hub serves. It
// needs no token because load balancers and orchestrators probe it without one; so
// it must never reveal anything secret. The hub may add fields with SetHealth.

// StatusDegraded is the /hub/health status of a hub that serves its own sockets
// but has lost something beyond them (a cluster node cut off from Redis). It is
// still a 200: taking the node out of a load balancer would not help.
const StatusDegraded = "degraded"

// SetHealth installs f to add fields to the /hub/health answer (connection counts,
// plugin generations, ...). f is called once per probe, must be safe for concurrent
// use, and must return quickly. "status" is "ok" unless f returns StatusDegraded
// for it: a 200 means serving. Passing nil removes f. SetHealth may be called at
// any time.
func (a *API) SetHealth(f func() map[string]any) {
	if f == nil {
		a.health.Store(nil)
		return
	}
	a.health.Store(&f)
}

func (a *API) serveHealth([]byte) (int, any, *apiError) {
	out := map[string]any{}
	if f := a.health.Load(); f != nil {
		for k, v := range (*f)() {
			out[k] = v
		}
	}
	if out["status"] != StatusDegraded {
		out["status"] = "ok"
	}
	return http.StatusOK, out, nil
}
