package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Timeouts and bounds of the admission server's connections. The API
// server's webhook timeout (timeoutSeconds) is 5 s in stagehand's manifests
// and at most 30 s; its request arrives in one burst on a kept-alive
// connection, so nothing legitimate comes near these.
const (
	// readHeaderTimeout bounds the TLS handshake and the request's headers.
	readHeaderTimeout = 5 * time.Second
	// readTimeout bounds a whole request, body included, from its first
	// byte: a body that trickles is cut off.
	readTimeout = 10 * time.Second
	// writeTimeout bounds reading, answering and writing one request: the
	// longest deadline a request may ask for, plus time to write.
	writeTimeout = maxRequestTimeout + 5*time.Second
	// idleTimeout is how long a kept-alive connection may wait for its next
	// request. It is longer than the API server's own idle timeout for
	// webhook connections (90 s), so that the API server closes first: a
	// request sent on a connection the server is closing is lost, and the
	// API server does not retry it.
	idleTimeout = 120 * time.Second
	// maxHeaderBytes bounds the request line and headers; the API server's
	// are a few hundred bytes.
	maxHeaderBytes = 64 << 10
)

// admissionServer is the HTTPS server of the webhook, with its certificate
// reloaded from disk when it changes.
type admissionServer struct {
	srv      *http.Server
	listener net.Listener
	certs    *certwatcher.CertWatcher
	addr     string
}

// listenAdmission loads the serving certificate and binds the webhook port.
func listenAdmission(cfg listenConfig) (*admissionServer, error) {
	certs, err := certwatcher.New(filepath.Join(cfg.certDir, "tls.crt"), filepath.Join(cfg.certDir, "tls.key"))
	if err != nil {
		return nil, fmt.Errorf("loading the serving certificate: %w", err)
	}
	tlsConfig := &tls.Config{GetCertificate: certs.GetCertificate}
	hardenTLS(tlsConfig)
	addr := net.JoinHostPort("", strconv.Itoa(cfg.port))
	l, err := tls.Listen("tcp", addr, tlsConfig)
	if err != nil {
		return nil, err
	}
	return &admissionServer{listener: l, certs: certs, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.port))}, nil
}

// listenConfig is what listenAdmission needs of the configuration.
type listenConfig struct {
	port    int
	certDir string
}

// serve serves h until ctx is done, then shuts down gracefully, completing
// the requests in flight within shutdownTimeout. Requests carry the values
// of ctx (its logger), not its cancellation.
func (s *admissionServer) serve(ctx context.Context, h http.Handler) error {
	base := context.WithoutCancel(ctx)
	s.srv = &http.Server{
		Handler:           h,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          newServerErrorLog(log.FromContext(ctx)),
	}
	go func() {
		if err := s.certs.Start(ctx); err != nil {
			log.FromContext(ctx).Error(err, "watching the serving certificate")
		}
	}()
	stopped := make(chan error, 1)
	go func() {
		<-ctx.Done()
		stopped <- shutdownHTTP(s.srv)()
	}()
	if err := s.srv.Serve(s.listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-stopped
}

// newServerErrorLog sends what net/http logs of its connections (TLS
// handshake errors, mostly) to logger, at debug level: anyone who can reach
// the port can cause them.
func newServerErrorLog(logger logr.Logger) *stdlog.Logger {
	return stdlog.New(logWriter{logger.V(LevelDebug)}, "", 0)
}

type logWriter struct{ logger logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.logger.Info("connection error", "error", strings.TrimSpace(string(p)))
	return len(p), nil
}

// ready checks that the server accepts TLS connections.
func (s *admissionServer) ready(*http.Request) error {
	d := &net.Dialer{Timeout: time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", s.addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // a reachability check of our own port
	if err != nil {
		return fmt.Errorf("webhook server is not reachable: %w", err)
	}
	return conn.Close()
}
