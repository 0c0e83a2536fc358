package fetch

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// userAgent identifies the fetcher to servers.
const userAgent = "stagehand-agent-fetch/1"

// newHTTPClient builds the client used for every download: connect and TLS
// handshake bounded by Job.ConnectTimeout, system roots plus Job.CAFile, no
// transparent decompression (so sizes and hashes are of the bytes served).
// Stall, per-file and overall timeouts are enforced through contexts.
func newHTTPClient(job Job) (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if job.CAFile != "" {
		pem, err := os.ReadFile(job.CAFile)
		if err != nil {
			return nil, badInput("read CA file", "", "%w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, badInput("read CA file", "", "no PEM certificates in %s", job.CAFile)
		}
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
