package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/go-logr/logr/testr"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/pkg/config"
)

// Bounds of the waits in these tests.
const (
	startTimeout   = 15 * time.Second
	requestTimeout = 5 * time.Second
	pollInterval   = 50 * time.Millisecond
)

func init() {
	// controller-runtime's own components (webhook server, certificate
	// watcher) log to its global logger: show them with -v only.
	log.SetLogger(funcr.New(func(prefix, args string) {
		if testing.Verbose() {
			fmt.Fprintln(os.Stderr, prefix, args)
		}
	}, funcr.Options{Verbosity: LevelTrace}))
}

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testConfig returns a configuration on free ports with a fresh certificate.
func testConfig(t *testing.T) (config.Webhook, testCert) {
	t.Helper()
	dir := t.TempDir()
	cert := newTestCert(t)
	cert.write(t, dir)
	return config.Webhook{
		Port:          freePort(t),
		CertDir:       dir,
		HealthAddr:    "127.0.0.1:" + strconv.Itoa(freePort(t)),
		MetricsAddr:   "127.0.0.1:" + strconv.Itoa(freePort(t)),
		ShutdownDelay: 0,
		LogLevel:      config.LogTrace,
		LogFormat:     config.LogText,
	}, cert
}

// serving is a Serve running in the background.
type serving struct {
	cfg    config.Webhook
	cancel context.CancelFunc
	done   chan error
}

// startServe runs Serve and waits until /readyz succeeds. The test's
// cleanup stops it and waits for it.
func startServe(t *testing.T, cfg config.Webhook) *serving {
	t.Helper()
	s := runServe(t, cfg)
	pollStatus(t, "http://"+cfg.HealthAddr+ReadyzPath, http.StatusOK, startTimeout)
	return s
}

// runServe runs Serve without waiting for it to be ready.
func runServe(t *testing.T, cfg config.Webhook) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(),
		testr.NewWithOptions(t, testr.Options{Verbosity: LevelTrace})))
	s := &serving{cfg: cfg, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- Serve(ctx, cfg, nil) }()
	t.Cleanup(func() {
		cancel()
		s.wait(t, cfg.ShutdownDelay+startTimeout)
	})
	return s
}

// wait returns what Serve returned, failing the test after timeout.
func (s *serving) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err // for a later wait, such as the cleanup's
		return err
	case <-time.After(timeout):
		t.Fatalf("Serve did not return within %v", timeout)
		return nil
	}
}

// getStatus returns the status code of a GET, or 0 when it fails.
func getStatus(url string) int {
	c := &http.Client{Timeout: requestTimeout}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// pollStatus waits until a GET of url returns want.
func pollStatus(t *testing.T, url string, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	got := 0
	for time.Now().Before(deadline) {
		if got = getStatus(url); got == want {
			return
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("GET %s: status %d after %v, want %d", url, got, timeout, want)
}

// httpsClient trusts cert and, like the API server, speaks HTTP/1.1 or 2.
func httpsClient(cert testCert) *http.Client {
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: cert.pool()},
			ForceAttemptHTTP2: true,
		},
	}
}

// annotatedPod asks for a ServiceAccount token.
func annotatedPod() *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        "worker",
			Namespace:   "hive",
			Annotations: map[string]string{"stagehand.io/service-account-token": "true"},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "task", Image: "mr3/hive:4"}}},
	}
}

// admit sends pod to the webhook in an AdmissionReview and returns the
// response.
func admit(t *testing.T, client *http.Client, port int, pod *corev1.Pod) *admissionv1.AdmissionResponse {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	uid := "uid-" + pod.Name
	body := reviewOf(t, uid, pod.Namespace, admissionv1.Create, raw)
	url := fmt.Sprintf("https://127.0.0.1:%d%s", port, Path)
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %s", url, resp.Status)
	}
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decoding the AdmissionReview: %v", err)
	}
	if out.Response == nil || string(out.Response.UID) != uid {
		t.Fatalf("response %+v does not answer request %s", out.Response, uid)
	}
	return out.Response
}
