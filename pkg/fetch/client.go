package fetch

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// userAgent identifies the fetcher to servers.
const userAgent = "stagehand-agent-fetch/1"

// newHTTPClient builds the client used for every download: connect and TLS
// handshake bounded by Job.ConnectTimeout, system roots plus Job.CAFile, no
// transparent decompression (so sizes and hashes are of the bytes served).
// Stall, per-file and overall timeouts are enforced through contexts.
func newHTTPClient(job Job) (*http.Client, error) {
	roots, err := trustedRoots(job.CAFile)
	if err != nil {
		return nil, err
	}
	connectTimeout := time.Duration(job.ConnectTimeout)
	dialer := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   connectTimeout,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   job.Parallelism,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: transport}, nil
}

// trustedRoots returns nil, meaning the system's roots, when there is no CA
// file: the agent binary also embeds Mozilla's roots as the fallback for
// images without a CA store (package fallback, imported by cmd/agent).
// With a CA file, it returns the system's roots, or the embedded ones when
// the system has none, plus the file's certificates.
func trustedRoots(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil || roots.Equal(x509.NewCertPool()) {
		roots = bundledRoots()
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

// readBearerToken reads the token in path. The token itself never appears
// in errors or logs.
func readBearerToken(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", badInput("read auth file", "", "%w", err)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", badInput("read auth file", "", "auth file %s is empty", path)
	}
	for _, char := range token {
		if char < 0x21 || char > 0x7e {
			return "", badInput("read auth file", "", "auth file %s holds a token with whitespace or control characters", path)
		}
	}
	return token, nil
}
