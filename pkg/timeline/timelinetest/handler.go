package timelinetest

import (
	"net/http"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// NewHandler returns a Server that is not listening: an http.Handler for
// serving the same Timeline Server from a program of one's own, such as
// the Timeline Server stand-in that `make demo` runs as a pod
// (hack/cluster/timeline). Its URL is empty and it has no listener of its
// own: shut down the http.Server that serves it rather than calling Close.
// SetFailure, RejectEntity and the accessors work as for a Server from New.
func NewHandler(opts Options) *Server {
	return &Server{opts: opts, stop: make(chan struct{}), rejects: map[string]*reject{},
		store: map[[2]string]*timeline.Entity{}}
}

// ServeHTTP serves the Timeline Server's API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serveHTTP(w, r) }
