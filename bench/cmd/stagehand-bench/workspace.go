package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// workspace is what every part shares: the binaries under test and the
// serving certificate.
type workspace struct {
	dir                        string // temporary; removed at the end
	webhook, agent, noop, prof string // binaries
	certDir                    string // tls.crt, tls.key
	caPEM                      []byte
	roots                      *x509.CertPool
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

// writeCert writes a self-signed ECDSA P-256 certificate for 127.0.0.1 and
// localhost that is its own CA, as tls.crt and tls.key.
func (w *workspace) writeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating a key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "stagehand-bench"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("creating the certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encoding the key: %w", err)
	}
	w.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.MkdirAll(w.certDir, 0o700); err != nil {
		return fmt.Errorf("creating the certificate directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(w.certDir, "tls.crt"), w.caPEM, 0o600); err != nil {
		return fmt.Errorf("writing the certificate: %w", err)
	}
	if err := os.WriteFile(filepath.Join(w.certDir, "tls.key"), keyPEM, 0o600); err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	w.roots = x509.NewCertPool()
	w.roots.AppendCertsFromPEM(w.caPEM)
	return nil
}
