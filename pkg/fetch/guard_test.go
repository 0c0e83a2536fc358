package fetch

import (
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// redirectServer serves /x.jar at 127.0.0.1, redirecting /start to the
// target its caller sets, and counts the requests of each path.
type redirectServer struct {
	*httptest.Server
	target            atomic.Value // string
	starts, downloads atomic.Int32
}

func newRedirectServer(t *testing.T, tls bool) *redirectServer {
	t.Helper()
	s := &redirectServer{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/start/x.jar":
			s.starts.Add(1)
			http.Redirect(w, r, s.target.Load().(string), http.StatusFound)
		case "/x.jar":
			s.downloads.Add(1)
			w.Write([]byte("jar"))
		default:
			http.NotFound(w, r)
		}
	})
	if tls {
		s.Server = httptest.NewTLSServer(handler)
	} else {
		s.Server = httptest.NewServer(handler)
	}
	t.Cleanup(s.Close)
	return s
}

// port is the server's port.
func (s *redirectServer) port() string {
	return strconv.Itoa(s.Listener.Addr().(*net.TCPAddr).Port)
}

// assertNothingWritten checks that a failed run left no file, no .part
// and no manifest.
func assertNothingWritten(t *testing.T, job agentapi.Job) {
	t.Helper()
	assertNotExist(t, filepath.Join(job.JarsDir, "x.jar"))
	assertNotExist(t, filepath.Join(job.JarsDir, "x.jar"+partSuffix))
	assertNotExist(t, filepath.Join(job.JarsDir, agentapi.ManifestFileName))
}

// TestRedirectsAreChecked (issue 11, item 6): an admitted host that
// redirects to a host the allowlist does not allow, to a cloud metadata
// service by name or by address, or from https:// to http:// fails the
// fetch at once (exit 11, no retry) with an error that names the
// dependency and the redirect target, redacted, and why; nothing is
// written and nothing but loopback is dialed.
func TestRedirectsAreChecked(t *testing.T) {
	plain := newRedirectServer(t, false)
	tests := []struct {
		name    string
		allowed []string
		target  string
		why     string
	}{
		{"host not in the allowlist", []string{"127.0.0.1"}, "http://evil.test:" + plain.port() + "/x.jar?token=SEKRIT", `redirect to http://evil.test:` + plain.port() + `/x.jar?redacted refused: host "evil.test" is not allowed`},
		{"link-local address", nil, "http://169.254.169.254/latest/x.jar", "redirect to http://169.254.169.254/latest/x.jar refused: host 169.254.169.254 is a link-local address"},
		{"link-local, credentials", nil, "http://u:SEKRIT@169.254.169.254/x.jar", "redirect to http://redacted@169.254.169.254/x.jar refused"},
		{"NAT64 form of the metadata address", nil, "http://[64:ff9b::a9fe:a9fe]/x.jar", "NAT64 form of 169.254.169.254"},
		{"AWS IPv6 metadata address", nil, "http://[fd00:ec2::254]/x.jar", "AWS service address"},
		{"metadata host name", []string{"*"}, "http://metadata.google.internal/x.jar", "Google Cloud's metadata server"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// evil.test is loopback: a broken check would download from it.
			stub := newStubNetwork(map[string][]string{"evil.test": {"127.0.0.1"}, "metadata.google.internal": {"127.0.0.1"}})
			plain.target.Store(tc.target)
			plain.starts.Store(0)
			plain.downloads.Store(0)
			job := testJob(t)
			job.AllowedHosts = tc.allowed
			job.Jars = []string{"http://u:SEKRIT@127.0.0.1:" + plain.port() + "/start/x.jar"}
			_, err := runJobOn(t, job, stub)
			assertExitCode(t, err, ExitNetwork)
			msg := err.Error()
			if !strings.Contains(msg, "download http://redacted@127.0.0.1:"+plain.port()+"/start/x.jar") || !strings.Contains(msg, tc.why) {
				t.Errorf("error %q names neither the dependency nor %q", msg, tc.why)
			}
			if strings.Contains(msg, "SEKRIT") {
				t.Errorf("error %q echoes the credential", msg)
			}
			if starts, downloads := plain.starts.Load(), plain.downloads.Load(); starts != 1 || downloads != 0 {
				t.Errorf("%d requests to /start and %d downloads, want 1 and 0: a refusal is not retried", starts, downloads)
			}
			assertNothingWritten(t, job)
			stub.assertOnlyLoopbackDialed(t)
		})
	}
}

// TestHTTPSDowngradeIsRefused: https:// may not be redirected to http://,
// even on an allowed host.
func TestHTTPSDowngradeIsRefused(t *testing.T) {
	secure, plain := newRedirectServer(t, true), newRedirectServer(t, false)
	secure.target.Store(plain.URL + "/x.jar")
	job := testJob(t)
	job.CAFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(job.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	job.Jars = []string{secure.URL + "/start/x.jar"}
	stub := newStubNetwork(nil)
	_, err := runJobOn(t, job, stub)
	assertExitCode(t, err, ExitNetwork)
	if !strings.Contains(err.Error(), "an https:// download may not be redirected to http://") || plain.downloads.Load() != 0 {
		t.Errorf("error %v after %d downloads over http://, want the downgrade refused", err, plain.downloads.Load())
	}
	assertNothingWritten(t, job)

	// Staying on https://, the same redirect is followed.
	secure.target.Store(secure.URL + "/x.jar")
	if _, err := runJobOn(t, job, stub); err != nil {
		t.Fatalf("https:// to https://: %v", err)
	}
	assertFileContent(t, filepath.Join(job.JarsDir, "x.jar"), []byte("jar"))
	stub.assertOnlyLoopbackDialed(t)
}

// TestAllowedRedirectIsFollowed: a redirect to an allowed host name is
// followed, through the resolver.
func TestAllowedRedirectIsFollowed(t *testing.T) {
	plain := newRedirectServer(t, false)
	plain.target.Store("http://repo.test:" + plain.port() + "/x.jar")
	stub := newStubNetwork(map[string][]string{"repo.test": {"127.0.0.1"}})
	job := testJob(t)
	job.AllowedHosts = []string{"127.0.0.1", "*.TEST"}
	job.Jars = []string{plain.URL + "/start/x.jar"}
	if _, err := runJobOn(t, job, stub); err != nil {
		t.Fatal(err)
	}
	assertFileContent(t, filepath.Join(job.JarsDir, "x.jar"), []byte("jar"))
	stub.assertOnlyLoopbackDialed(t)
}
