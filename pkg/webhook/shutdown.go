package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// shutdownTimeout bounds how long the health and metrics servers wait for
// in-flight requests. controller-runtime gives the webhook server a minute.
const shutdownTimeout = 30 * time.Second

// The names of Serve's servers, in errors.
const (
	webhookServer  = "webhook server"
	healthServer   = "health server"
	metricsServer  = "metrics server"
	profileWatcher = "InjectionProfile watch"
)

// stopped is what a server's serve function returned.
type stopped struct {
	name string
	err  error
}

// group runs servers, each in its own goroutine, and collects the errors of
// those that fail or stop without having been told to. Only the goroutine
// that created it uses it.
type group struct {
	done     chan stopped
	running  map[string]bool
	stopping map[string]bool
	errs     []error
}

func newGroup(size int) *group {
	return &group{done: make(chan stopped, size), running: map[string]bool{}, stopping: map[string]bool{}}
}

func (g *group) start(name string, serve func() error) {
	g.running[name] = true
	go func() { g.done <- stopped{name, serve()} }()
}

// receive records that a server stopped.
func (g *group) receive(s stopped) {
	delete(g.running, s.name)
	switch {
	case s.err != nil:
		g.errs = append(g.errs, fmt.Errorf("%s: %w", s.name, s.err))
	case !g.stopping[s.name]:
		g.errs = append(g.errs, fmt.Errorf("%s: %w", s.name, ErrStopped))
	}
}

// stop tells a running server to stop and waits until it has.
func (g *group) stop(name string, stop func() error) {
	if !g.running[name] {
		return
	}
	g.stopping[name] = true
	if err := stop(); err != nil {
		g.errs = append(g.errs, fmt.Errorf("%s: shutting down: %w", name, err))
	}
	for g.running[name] {
		g.receive(<-g.done)
	}
}

func (g *group) err() error { return errors.Join(g.errs...) }

// wait returns when ctx is done or a server stops on its own.
func (g *group) wait(ctx context.Context) {
	select {
	case <-ctx.Done():
	case s := <-g.done:
		g.receive(s)
	}
}

// shutdownHTTP returns the stop function of an HTTP server: a graceful
// shutdown bounded by shutdownTimeout.
func shutdownHTTP(srv *http.Server) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		return srv.Shutdown(ctx)
	}
}
