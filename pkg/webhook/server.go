package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Paths of the health and metrics servers.
const (
	HealthzPath = "/healthz"
	ReadyzPath  = "/readyz"
	MetricsPath = "/metrics"
)

// errNoCluster is Serve's error when profiles are on without a cluster to
// watch them in.
var errNoCluster = errors.New("profiles are on but there is no cluster configuration to watch them with")

// ErrStopped is wrapped by Serve's error when a server stops on its own,
// without having been told to.
var ErrStopped = errors.New("stopped unexpectedly")

// Serve runs the admission webhook until ctx is cancelled, logging to the
// logger in ctx (log.FromContext). It serves:
//
//   - the webhook at Path, and the InjectionProfile validator at
//     ProfilePath, on cfg.Port, over TLS 1.2 or later with HTTP/1.1 only,
//     with tls.crt and tls.key from cfg.CertDir reloaded when they change;
//   - HealthzPath and ReadyzPath on cfg.HealthAddr; readiness needs the
//     webhook to accept TLS connections and, with cfg.Profiles, the
//     InjectionProfiles of cluster to have been read; it fails once
//     shutdown begins;
//   - controller-runtime's metrics.Registry at MetricsPath on
//     cfg.MetricsAddr, unless metrics are disabled.
//
// When ctx is cancelled readiness fails at once, the webhook keeps serving
// for cfg.ShutdownDelay so that endpoints drop the pod before it stops, then
// the servers shut down gracefully, completing in-flight requests. Serve
// then returns nil. With cfg.Profiles it watches the InjectionProfiles of
// cluster, which must not be nil, reads nothing else of the API, and
// records Events about denied pods and pods admitted with warnings. It
// returns an error at once when a server cannot start (an address in use,
// an unreadable certificate, no InjectionProfile CRD), and an error wrapping
// ErrStopped when a server stops on its own.
func Serve(ctx context.Context, cfg config.Webhook, cluster *rest.Config) error {
	logger := log.FromContext(ctx)
	// The webhook server stops as soon as its context is done, so it gets
	// a context of its own, cancelled after the shutdown delay; so does the
	// profile watch, which its requests read.
	// Its requests log through the context's logger, named "admission".
	hookCtx, stopHook := context.WithCancel(log.IntoContext(context.WithoutCancel(ctx), logger.WithName("admission")))
	defer stopHook()
	var watch *profileWatch
	if cfg.Profiles {
		if cluster == nil {
			return errNoCluster
		}
		var err error
		if watch, err = newProfileWatch(hookCtx, cluster); err != nil {
			return fmt.Errorf("%s: %w", profileWatcher, err)
		}
	}
	ls, err := listen(cfg)
	if err != nil {
		return err
	}
	ready := &readiness{checks: map[string]check{"webhook": ls.hook.ready}}
	var (
		source ProfileSource
		events *Events
	)
	if watch != nil {
		source = watch.source()
		ready.checks["profiles"] = watch.ready()
		stopEvents := func() {}
		if events, stopEvents, err = NewEvents(cluster); err != nil {
			return fmt.Errorf("events: %w", err)
		}
		defer stopEvents()
	}
	build := func(entrypoints inject.Entrypoints) *Handler {
		opts := cfg.InjectOptions()
		opts.Entrypoints = entrypoints
		return &Handler{Injector: inject.New(opts), Cache: NewCache(cfg.CacheSize), Profiles: source, Events: events}
	}
	pods := &reloading{}
	pods.current.Store(build(cfg.Entrypoints))
	if cfg.EntrypointsFile != "" {
		// What was read at startup: a change from it is reloaded.
		if data, err := os.ReadFile(cfg.EntrypointsFile); err == nil {
			go watchEntrypoints(hookCtx, cfg.EntrypointsFile, data, pods, build)
		}
	}
	handler := closeWhenStopping(ready, newAdmissionMux(pods, NewProfileValidator(cfg.InjectOptions())))
	health := newHTTPServer(ctx, newHealthMux(ready))

	g := newGroup(4)
	g.start(webhookServer, func() error { return ls.hook.serve(hookCtx, handler) })
	if watch != nil {
		g.start(profileWatcher, func() error { return watch.run(log.IntoContext(hookCtx, logger.WithName("profiles"))) })
	}
	g.start(healthServer, func() error { return serveHTTP(health, ls.health) })
	var metricsSrv *http.Server
	if ls.metrics != nil {
		metricsSrv = newHTTPServer(ctx, newMetricsMux())
		g.start(metricsServer, func() error { return serveHTTP(metricsSrv, ls.metrics) })
	}
	logger.Info("starting servers", "path", Path, "port", cfg.Port, "certDir", cfg.CertDir,
		"healthAddr", cfg.HealthAddr, "metricsAddr", cfg.MetricsAddr, "strict", cfg.Strict, "profiles", cfg.Profiles)

	g.wait(ctx)
	ready.stop()
	if g.err() == nil && cfg.ShutdownDelay > 0 {
		logger.Info("shutting down: not ready, still serving", "delay", cfg.ShutdownDelay)
		delay, cancel := context.WithTimeout(context.Background(), cfg.ShutdownDelay)
		g.wait(delay)
		cancel()
	}
	logger.Info("stopping servers")
	g.stop(webhookServer, func() error { stopHook(); return nil })
	g.stop(profileWatcher, func() error { stopHook(); return nil })
	if metricsSrv != nil {
		g.stop(metricsServer, shutdownHTTP(metricsSrv))
	}
	g.stop(healthServer, shutdownHTTP(health))
	if err := g.err(); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// listeners are the bound addresses of the servers.
type listeners struct {
	hook            *admissionServer
	health, metrics net.Listener
}

// listen binds every server's address, so that Serve fails at once, naming
// the server, when one cannot start.
func listen(cfg config.Webhook) (listeners, error) {
	var ls listeners
	var err error
	if ls.health, err = net.Listen("tcp", cfg.HealthAddr); err != nil {
		return listeners{}, fmt.Errorf("%s: %w", healthServer, err)
	}
	if cfg.MetricsEnabled() {
		if ls.metrics, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			_ = ls.health.Close()
			return listeners{}, fmt.Errorf("%s: %w", metricsServer, err)
		}
	}
	if ls.hook, err = listenAdmission(listenConfig{port: cfg.Port, certDir: cfg.CertDir}); err != nil {
		ls.close()
		return listeners{}, fmt.Errorf("%s: %w", webhookServer, err)
	}
	return ls, nil
}

// close closes the health and metrics listeners.
func (ls listeners) close() {
	_ = ls.health.Close()
	if ls.metrics != nil {
		_ = ls.metrics.Close()
	}
}

// closeWhenStopping answers with Connection: close once shutdown has begun,
// so that clients drop their keep-alive connections during the shutdown
// delay instead of racing the server's close of idle connections when it
// ends: a POST lost in that race is not retried by the API server.
func closeWhenStopping(ready *readiness, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ready.stopping.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// hardenTLS requires TLS 1.2 and offers HTTP/1.1 only: HTTP/2 exposes the
// server to stream-multiplexing attacks (CVE-2023-44487, CVE-2023-39325) and
// the API server needs none of it.
func hardenTLS(c *tls.Config) {
	c.MinVersion = tls.VersionTLS12
	c.NextProtos = []string{"http/1.1"}
	c.CipherSuites = tls12CipherSuites
}

// tls12CipherSuites are the TLS 1.2 suites offered: ECDHE with an AEAD
// only, as Mozilla's "intermediate" profile (TLS 1.3 suites are fixed by
// Go). docs/tls.md lists them; a test checks the running server against it.
var tls12CipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// newAdmissionMux serves the pod webhook at Path and the InjectionProfile
// validator at ProfilePath; the pod webhook alone is instrumented.
func newAdmissionMux(pods, profiles http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle(Path, instrument(pods))
	mux.Handle(ProfilePath, profiles)
	return mux
}

func newMetricsMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle(MetricsPath, promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	return mux
}

// newHTTPServer returns a server whose requests carry the values of ctx (the
// logger) but not its cancellation, which starts the shutdown.
func newHTTPServer(ctx context.Context, h http.Handler) *http.Server {
	base := context.WithoutCancel(ctx)
	return &http.Server{
		Handler:           h,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
}

// serveHTTP serves until Shutdown, which is no error.
func serveHTTP(srv *http.Server, l net.Listener) error {
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
