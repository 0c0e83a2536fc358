package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

// workspace is what every part shares: the binaries under test and the
// serving certificate.
type workspace struct {
	dir                        string // temporary; removed at the end
	webhook, agent, noop, prof string // binaries
	certDir                    string // tls.crt, tls.key
	caPEM                      []byte
	roots                      *x509.CertPool
	kubeconfig                 string // of the API-server part's API server, once it runs
}

// newWorkspace builds the binaries (CGO off, trimmed, stripped as the
// Makefile builds them; the profiling server unstripped) and generates a
// self-signed certificate for 127.0.0.1.
func newWorkspace(ctx context.Context, o options) (*workspace, error) {
	dir, err := os.MkdirTemp("", "stagehand-bench-")
	if err != nil {
		return nil, fmt.Errorf("creating the work directory: %w", err)
	}
	w := &workspace{
		dir: dir, webhook: o.webhookBin, agent: o.agentBin,
		noop: filepath.Join(dir, "noop"), prof: filepath.Join(dir, "profserver"),
		certDir: filepath.Join(dir, "certs"),
	}
	stripped := []string{"./bench/noop"}
	if w.webhook == "" {
		w.webhook = filepath.Join(dir, "webhook")
		stripped = append(stripped, "./cmd/webhook")
	}
	if w.agent == "" {
		w.agent = filepath.Join(dir, "agent")
		stripped = append(stripped, "./cmd/agent")
	}
	if err := goBuild(ctx, o.root, dir, []string{"-ldflags", "-s -w"}, stripped...); err != nil {
		return w, err
	}
	if err := goBuild(ctx, o.root, dir, nil, "./bench/profserver"); err != nil {
		return w, err
	}
	if err := w.writeCert(); err != nil {
		return w, err
	}
	return w, nil
}

func (w *workspace) remove() {
	if w != nil {
		_ = os.RemoveAll(w.dir)
	}
}

// goBuild builds main packages into dir, each named after its directory.
func goBuild(ctx context.Context, root, dir string, flags []string, pkgs ...string) error {
	args := append([]string{"build", "-trimpath", "-o", dir + "/"}, flags...)
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %v: %w\n%s", pkgs, err, out)
	}
	return nil
}

// writeCert writes a CA and a serving certificate for 127.0.0.1 and
// localhost, made by package certs as `make certs` makes them, as tls.crt and
// tls.key; clients trust the CA.
func (w *workspace) writeCert() error {
	now := time.Now()
	ca, err := certs.NewCA("stagehand-bench CA", now, 24*time.Hour)
	if err != nil {
		return fmt.Errorf("making the CA: %w", err)
	}
	serving, err := ca.Issue([]string{"127.0.0.1", "localhost"}, now, 24*time.Hour)
	if err != nil {
		return fmt.Errorf("issuing the serving certificate: %w", err)
	}
	if err := os.MkdirAll(w.certDir, 0o700); err != nil {
		return fmt.Errorf("creating the certificate directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(w.certDir, "tls.crt"), serving.CertPEM, 0o600); err != nil {
		return fmt.Errorf("writing the certificate: %w", err)
	}
	if err := os.WriteFile(filepath.Join(w.certDir, "tls.key"), serving.KeyPEM, 0o600); err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	w.caPEM = ca.CertPEM
	w.roots = x509.NewCertPool()
	w.roots.AppendCertsFromPEM(w.caPEM)
	return nil
}
