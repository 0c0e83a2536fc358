package fetch

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// userAgent identifies the fetcher to servers.
const userAgent = "stagehand-agent-fetch/1"

// newHTTPClient builds the client used for every download: connect and TLS
// handshake bounded by Job.ConnectTimeout, the system's roots (or the
// embedded ones, see trustedRoots) plus Job.CAFile, no transparent
// decompression (so sizes and hashes are of the bytes served). Stall,
// per-file and overall timeouts are enforced through contexts. Every
// redirect and the address of every connection are checked against the
// job's egress policy (see guard.go); connections go through netw.
//
// Without a CA file the roots are resolved on the first request that needs
// TLS, so that a job with only http:// dependencies never loads a root
// store (which takes milliseconds).
func newHTTPClient(job agentapi.Job, netw network) (*http.Client, error) {
	policy := jobPolicy(job)
	guard := &dialGuard{policy: policy, net: netw, connectTimeout: time.Duration(job.ConnectTimeout)}
	client := &http.Client{CheckRedirect: checkRedirect(policy)}
	if job.CAFile == "" {
		client.Transport = newLazyTLSTransport(func(roots *x509.CertPool) *http.Transport {
			return newTransport(job, guard, roots)
		})
		return client, nil
	}
	roots, err := trustedRoots(job.CAFile)
	if err != nil {
		return nil, err
	}
	client.Transport = newTransport(job, guard, roots)
	return client, nil
}

// newTransport is the transport of newHTTPClient, connecting through guard
// and verifying servers against roots (nil: the system's).
func newTransport(job agentapi.Job, guard *dialGuard, roots *x509.CertPool) *http.Transport {
	connectTimeout := time.Duration(job.ConnectTimeout)
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           guard.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   connectTimeout,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   job.Parallelism + 1, // the workers' and the size prober's
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
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
