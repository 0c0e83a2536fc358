package webhook

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
)

// check is one readiness check; it has the signature of
// controller-runtime's healthz.Checker.
type check func(*http.Request) error

// readiness serves ReadyzPath: 200 when every check passes, 503 naming the
// failed checks otherwise, and 503 at once, without running the checks,
// once stop has been called.
type readiness struct {
	checks   map[string]check
	stopping atomic.Bool
}

var _ http.Handler = (*readiness)(nil)

// stop makes readiness fail from now on.
func (r *readiness) stop() { r.stopping.Store(true) }

func (r *readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.stopping.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "shutting down")
		return
	}
	var failed []string
	for _, name := range slices.Sorted(maps.Keys(r.checks)) {
		if err := r.checks[name](req); err != nil {
			failed = append(failed, name+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, strings.Join(failed, "\n"))
		return
	}
	fmt.Fprintln(w, "ok")
}

// newHealthMux serves HealthzPath, which succeeds while the process serves
// HTTP at all (liveness, also during shutdown), and ReadyzPath.
func newHealthMux(ready *readiness) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc(HealthzPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle(ReadyzPath, ready)
	return mux
}
