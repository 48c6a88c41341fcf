package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/iohub/iohub/hub/clienterr"
)

// reloadTimeout bounds one POST /hub/reload: building new handler modules and
// stopping the old Strapi sync are quick, but a hung piece must not hold the
// request forever.
const reloadTimeout = time.Minute

// ReloadFunc re-reads the config and applies it. It returns the answer's body,
// or the problems that kept anything from changing, each as `hub check` prints
// it.
type ReloadFunc func(ctx context.Context) (result any, problems []string)

// SetReload installs what POST /hub/reload runs. Without it (nil), the route
// answers 409: a hub built without a config file has nothing to re-read.
func (a *API) SetReload(f ReloadFunc) {
	if f == nil {
		a.reload.Store(nil)
		return
	}
	a.reload.Store(&f)
}

func (a *API) serveReload([]byte) (int, any, *apiError) {
	f := a.reload.Load()
	if f == nil {
		return 0, nil, newError(http.StatusConflict, clienterr.ReloadDisabled,
			"this hub was not started from a config file; there is nothing to reload")
	}
	// Not the request's context: a reload that a hung-up caller started must
	// still finish, or roll back, as a whole.
	ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
	defer cancel()
	res, problems := (*f)(ctx)
	if len(problems) > 0 {
		e := newError(http.StatusUnprocessableEntity, clienterr.InvalidConfig,
			"the config has %d problem(s); nothing changed", len(problems))
		e.problems = problems
		return 0, nil, e
	}
	return http.StatusOK, res, nil
}
