package fetch

import (
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestTrustedRoots(t *testing.T) {
	if roots, err := trustedRoots(""); err != nil || roots != nil {
		t.Fatalf("no CA file: roots %v, err %v; want the system's (nil)", roots, err)
	}
	if bundledRoots().Equal(x509.NewCertPool()) {
		t.Fatal("the embedded root store is empty")
	}
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, block, 0o644); err != nil {
		t.Fatal(err)
	}
	roots, err := trustedRoots(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Certificate().Verify(x509.VerifyOptions{Roots: roots}); err != nil {
		t.Errorf("the CA file's certificate is not trusted: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.crt")
	if err := os.WriteFile(empty, []byte("not pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := trustedRoots(empty); ExitCode(err) != ExitBadInput {
		t.Errorf("a CA file without certificates: %v, want bad input", err)
	}
}
