package fetch

import (
	"crypto/x509"
	"net/http"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// systemCertPool is x509.SystemCertPool; tests replace it to simulate an
// image without a CA store.
var systemCertPool = x509.SystemCertPool

// trustedRoots returns the roots downloads are verified against: nil,
// meaning the system's, when the system has a CA store and there is no CA
// file. The agent images ship no CA store: then Mozilla's roots, embedded
// in the binary, take the system's place. They are parsed here, lazily,
// and only by fetch, so that no other subcommand pays for them at start.
// A CA file's certificates are added to whichever of the two is used.
func trustedRoots(caFile string) (*x509.CertPool, error) {
	roots, err := systemCertPool()
	if err != nil || roots == nil || roots.Equal(x509.NewCertPool()) {
		roots = bundledRoots()
	} else if caFile == "" {
		return nil, nil
	}
	if caFile == "" {
		return roots, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, badInput("read CA file", "", "%w", err)
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, badInput("read CA file", "", "no PEM certificates in %s", caFile)
	}
	return roots, nil
}

// bundledRoots is Mozilla's root store as golang.org/x/crypto embeds it.
func bundledRoots() *x509.CertPool {
	pool := x509.NewCertPool()
	for root := range bundle.Roots() {
		cert, err := x509.ParseCertificate(root.Certificate)
		if err != nil {
			continue
		}
		if root.Constraint == nil {
			pool.AddCert(cert)
		} else {
			pool.AddCertWithConstraint(cert, root.Constraint)
		}
	}
	return pool
}

// lazyTLSTransport sends requests that need no TLS (an http:// URL through
// no proxy or an http:// one) on a transport without roots, and the others
// on a second transport built, with trustedRoots(""), on the first such
// request. Redirects from http:// to https:// go through RoundTrip too.
// Each transport is complete before its first use, so nothing is mutated
// while in use.
type lazyTLSTransport struct {
	plain   *http.Transport
	newTLS  func(roots *x509.CertPool) *http.Transport
	tlsOnce sync.Once
	tls     atomic.Pointer[http.Transport]
}

func newLazyTLSTransport(build func(roots *x509.CertPool) *http.Transport) *lazyTLSTransport {
	return &lazyTLSTransport{plain: build(nil), newTLS: build}
}

// RoundTrip implements http.RoundTripper.
func (t *lazyTLSTransport) RoundTrip(request *http.Request) (*http.Response, error) {
	if !t.needsTLS(request) {
		return t.plain.RoundTrip(request)
	}
	t.tlsOnce.Do(func() {
		roots, _ := trustedRoots("") // cannot fail without a CA file
		t.tls.Store(t.newTLS(roots))
	})
	return t.tls.Load().RoundTrip(request)
}

// needsTLS reports whether request would make a TLS connection: to an
// https:// server, or to an https:// proxy.
func (t *lazyTLSTransport) needsTLS(request *http.Request) bool {
	if request.URL.Scheme != "http" {
		return true
	}
	if t.plain.Proxy == nil {
		return false
	}
	proxy, err := t.plain.Proxy(request)
	return err != nil || (proxy != nil && proxy.Scheme != "http")
}

// CloseIdleConnections closes the idle connections of both transports.
func (t *lazyTLSTransport) CloseIdleConnections() {
	t.plain.CloseIdleConnections()
	if tls := t.tls.Load(); tls != nil {
		tls.CloseIdleConnections()
	}
}
