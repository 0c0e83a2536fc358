package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// stubSystemPool makes systemCertPool return pool (nil: an error) for the
// rest of the test, and counts its calls. Tests that use it must not be
// parallel.
func stubSystemPool(t *testing.T, pool *x509.CertPool) *int {
	t.Helper()
	calls := new(int)
	saved := systemCertPool
	systemCertPool = func() (*x509.CertPool, error) {
		*calls++
		if pool == nil {
			return nil, errors.New("no system roots")
		}
		return pool.Clone(), nil
	}
	t.Cleanup(func() { systemCertPool = saved })
	return calls
}

// writeCAFile writes the certificate of srv to a PEM file.
func writeCAFile(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, block, 0o644); err != nil {
		t.Fatal(err)
	}
	return caFile
}

func TestTrustedRoots(t *testing.T) {
	bundled := bundledRoots()
	if bundled.Equal(x509.NewCertPool()) {
		t.Fatal("the embedded root store is empty")
	}
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	caFile := writeCAFile(t, srv)
	system := x509.NewCertPool()
	system.AddCert(srv.Certificate())
	other := httptest.NewTLSServer(nil)
	defer other.Close()
	otherCA := writeCAFile(t, other)

	stubSystemPool(t, system)
	if roots, err := trustedRoots(""); err != nil || roots != nil {
		t.Fatalf("system CA store, no CA file: roots %v, err %v; want the system's (nil)", roots, err)
	}
	roots, err := trustedRoots(otherCA)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*httptest.Server{srv, other} {
		if _, err := s.Certificate().Verify(x509.VerifyOptions{Roots: roots}); err != nil {
			t.Errorf("system CA store plus CA file: %v", err)
		}
	}
	if roots.Equal(bundled) {
		t.Error("system CA store plus CA file: the embedded roots are used")
	}

	for name, pool := range map[string]*x509.CertPool{"empty system pool": x509.NewCertPool(), "no system pool": nil} {
		stubSystemPool(t, pool)
		roots, err := trustedRoots("")
		if err != nil || roots == nil || !roots.Equal(bundled) {
			t.Errorf("%s, no CA file: err %v; want the embedded roots", name, err)
		}
		roots, err = trustedRoots(caFile)
		if err != nil {
			t.Fatal(err)
		}
		want := bundledRoots()
		want.AddCert(srv.Certificate())
		if !roots.Equal(want) {
			t.Errorf("%s, CA file: want the embedded roots plus the CA file's", name)
		}
	}

	empty := filepath.Join(t.TempDir(), "empty.crt")
	if err := os.WriteFile(empty, []byte("not pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := trustedRoots(empty); ExitCode(err) != ExitBadInput {
		t.Errorf("a CA file without certificates: %v, want bad input", err)
	}
}

// TestRootsAreResolvedOnFirstTLSRequest checks that, without a CA file,
// plain http:// downloads never load a root store, that the first https://
// request (here through a redirect) does so once, and that the roots used
// are then the embedded ones when the system has none.
func TestRootsAreResolvedOnFirstTLSRequest(t *testing.T) {
	calls := stubSystemPool(t, x509.NewCertPool())
	t.Setenv("HTTP_PROXY", "")
	t.Setenv("HTTPS_PROXY", "")
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer secure.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, secure.URL, http.StatusFound)
		}
	}))
	defer plain.Close()
	job := agentapi.Job{Parallelism: 2}.WithDefaults()
	client, err := newHTTPClient(job, systemNetwork(job, jobPolicy(job)))
	if err != nil {
		t.Fatal(err)
	}
	defer client.CloseIdleConnections()
	get := func(url string) error {
		request, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		response, err := client.Do(request)
		if err == nil {
			_ = response.Body.Close()
		}
		return err
	}

	for range 2 {
		if err := get(plain.URL); err != nil {
			t.Fatal(err)
		}
	}
	if *calls != 0 {
		t.Fatalf("http:// requests looked up the system roots %d times, want 0", *calls)
	}
	for _, url := range []string{plain.URL + "/redirect", secure.URL} {
		var certErr *tls.CertificateVerificationError
		if err := get(url); !errors.As(err, &certErr) {
			t.Errorf("GET %s: %v; want a verification error (the embedded roots do not trust httptest)", url, err)
		}
	}
	if *calls != 1 {
		t.Errorf("the system roots were looked up %d times, want once", *calls)
	}
}
