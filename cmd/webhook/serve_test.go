package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeCert writes a self-signed tls.crt and tls.key into a new directory.
func writeCert(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "stagehand-webhook-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, block := range map[string]*pem.Block{
		"tls.crt": {Type: "CERTIFICATE", Bytes: der},
		"tls.key": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestServeSIGTERM runs the command, waits until it is ready, and stops it
// with SIGTERM: it must exit 0 after the shutdown delay, having logged JSON.
func TestServeSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	healthAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := command(ctx, []string{
		"STAGEHAND_CERT_DIR=" + writeCert(t),
		"STAGEHAND_HEALTH_ADDR=" + healthAddr,
		"STAGEHAND_SHUTDOWN_DELAY=500ms",
		"STAGEHAND_LOG_LEVEL=debug",
		"STAGEHAND_PROFILES=false",
	}, "serve", "--webhook-port="+strconv.Itoa(freePort(t)), "--metrics-addr=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for ready := false; !ready; {
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 15s; stderr:\n%s", stderr.String())
		}
		if resp, err := client.Get("http://" + healthAddr + "/readyz"); err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
	case <-ctx.Done():
		t.Fatalf("still running %v after SIGTERM; stderr:\n%s", commandTimeout, stderr.String())
	}

	// Every log line is a JSON object; the startup and shutdown are logged.
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var entry struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		msgs = append(msgs, entry.Msg)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"starting stagehand webhook", "shutting down: not ready, still serving", "stopped"} {
		if !strings.Contains(all, want) {
			t.Errorf("logs lack %q:\n%s", want, all)
		}
	}
	if stdout.Len() > 0 {
		t.Errorf("serve wrote to stdout: %q", stdout.String())
	}
}

// TestServeProfilesWithoutCluster: with profiles on (the default) and no
// cluster configuration, serve exits at once saying what is missing and how
// to turn profiles off, rather than serving without them.
func TestServeProfilesWithoutCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	home := t.TempDir()
	cmd := command(ctx, []string{"STAGEHAND_CERT_DIR=" + writeCert(t),
		"STAGEHAND_HEALTH_ADDR=127.0.0.1:" + strconv.Itoa(freePort(t))},
		"serve", "--webhook-port="+strconv.Itoa(freePort(t)), "--metrics-addr=0")
	// No kubeconfig, no in-cluster service, an empty home.
	cmd.Env = append(slices.DeleteFunc(cmd.Env, func(kv string) bool {
		return strings.HasPrefix(kv, "KUBECONFIG=") || strings.HasPrefix(kv, "KUBERNETES_SERVICE_") || strings.HasPrefix(kv, "HOME=")
	}), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve with profiles and no cluster succeeded:\n%s", out)
	}
	for _, want := range []string{"InjectionProfiles are on", "no cluster configuration", "STAGEHAND_KUBECONFIG", "STAGEHAND_PROFILES=false"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the error lacks %q:\n%s", want, out)
		}
	}
}
