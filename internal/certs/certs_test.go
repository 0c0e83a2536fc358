package certs

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func generate(t *testing.T, dir string, mutate func(*Options)) *Result {
	t.Helper()
	opts := Options{Service: "stagehand-webhook", Namespace: "stagehand-system", Dir: dir, Validity: 365 * 24 * time.Hour, Now: now}
	if mutate != nil {
		mutate(&opts)
	}
	res, err := Generate(opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return res
}

// readPair reads a key pair back from the files Generate wrote.
func readPair(t *testing.T, dir, certFile, keyFile string) *KeyPair {
	t.Helper()
	certPEM, err := os.ReadFile(filepath.Join(dir, certFile))
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, keyFile))
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadKeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("%s and %s: %v", certFile, keyFile, err)
	}
	return p
}

func TestServingCertificateVerifiesForTheServiceNames(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, nil)
	ca := readPair(t, dir, CACertFile, CAKeyFile)
	serving := readPair(t, dir, CertFile, KeyFile)

	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA: IsCA %v, key usage %b", ca.Cert.IsCA, ca.Cert.KeyUsage)
	}
	if serving.Cert.IsCA {
		t.Error("the serving certificate is a CA")
	}
	if !slices.Equal(serving.Cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("serving extended key usage %v, want server auth only", serving.Cert.ExtKeyUsage)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, name := range []string{
		"stagehand-webhook.stagehand-system.svc",
		"stagehand-webhook.stagehand-system.svc.cluster.local",
		"stagehand-webhook.stagehand-system",
		"stagehand-webhook",
	} {
		opts := x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if _, err := serving.Cert.Verify(opts); err != nil {
			t.Errorf("verifying for %s: %v", name, err)
		}
	}
	bad := x509.VerifyOptions{DNSName: "other.stagehand-system.svc", Roots: roots, CurrentTime: now}
	if _, err := serving.Cert.Verify(bad); err == nil {
		t.Error("the serving certificate verifies for another Service")
	}
	client := x509.VerifyOptions{DNSName: "stagehand-webhook.stagehand-system.svc", Roots: roots, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := serving.Cert.Verify(client); err == nil {
		t.Error("the serving certificate verifies for client auth")
	}
	if got, want := serving.Cert.NotAfter, now.Add(365*24*time.Hour); !got.Equal(want) {
		t.Errorf("serving NotAfter %v, want %v", got, want)
	}
}

func TestKeysAreOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, nil)
	for name, want := range map[string]os.FileMode{CAKeyFile: 0o600, KeyFile: 0o600, CertFile: 0o644, CACertFile: 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
}

// TestWritesExactlyFiles: what certs/.gitignore and certs/README.md cover
// is what Generate leaves behind, temporary files included.
func TestWritesExactlyFiles(t *testing.T) {
	dir := t.TempDir()
	generate(t, dir, nil)
	generate(t, dir, nil) // a renewal, over the files of the first
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !sameElements(names, Files) {
		t.Errorf("Generate left %v, want %v", names, Files)
	}
}

func sameElements(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestFingerprintFormat(t *testing.T) {
	res := generate(t, t.TempDir(), nil)
	fp := Fingerprint(res.CA.Cert)
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fp) {
		t.Fatalf("fingerprint %q is not 32 colon-separated upper-case hex bytes", fp)
	}
	sum := sha256.Sum256(res.CA.Cert.Raw)
	if got := strings.ReplaceAll(fp, ":", ""); got != strings.ToUpper(hex.EncodeToString(sum[:])) {
		t.Errorf("fingerprint %s is not the SHA-256 of the DER certificate", fp)
	}
}

func TestRenewKeepsTheCA(t *testing.T) {
	dir := t.TempDir()
	first := generate(t, dir, nil)
	second := generate(t, dir, func(o *Options) { o.Now = now.Add(300 * 24 * time.Hour) })
	if !second.ReusedCA || !bytes.Equal(first.CA.CertPEM, second.CA.CertPEM) {
		t.Error("renewing replaced a CA that was still valid long enough")
	}
	if bytes.Equal(first.Serving.CertPEM, second.Serving.CertPEM) {
		t.Error("renewing kept the old serving certificate")
	}
	third := generate(t, dir, func(o *Options) { o.NewCA = true })
	if third.ReusedCA || bytes.Equal(first.CA.CertPEM, third.CA.CertPEM) {
		t.Error("NewCA kept the CA")
	}
	// A CA that would expire before the new serving certificate is replaced.
	late := generate(t, dir, func(o *Options) { o.Now = now.Add(3600 * 24 * time.Hour) })
	if late.ReusedCA {
		t.Error("kept a CA that expires before the serving certificate")
	}
}

func TestGenerateRejects(t *testing.T) {
	for name, opts := range map[string]Options{
		"no service":    {Namespace: "ns", Dir: t.TempDir(), Validity: time.Hour},
		"no namespace":  {Service: "svc", Dir: t.TempDir(), Validity: time.Hour},
		"no directory":  {Service: "svc", Namespace: "ns", Validity: time.Hour},
		"zero validity": {Service: "svc", Namespace: "ns", Dir: t.TempDir()},
	} {
		if _, err := Generate(opts); err == nil {
			t.Errorf("%s: Generate succeeded", name)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, CACertFile), []byte("not PEM"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, CAKeyFile), []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(Options{Service: "svc", Namespace: "ns", Dir: dir, Validity: time.Hour}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Generate over a corrupt CA: %v, want an error naming %s", err, dir)
	}
}

func TestIssueSplitsIPsFromDNSNames(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("test CA", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.Issue([]string{"stagehand-webhook", "127.0.0.1", "localhost"}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, host := range []string{"127.0.0.1", "localhost", "stagehand-webhook"} {
		if _, err := kp.Cert.Verify(x509.VerifyOptions{DNSName: host, Roots: roots}); err != nil {
			t.Errorf("serving certificate does not verify for %s: %v", host, err)
		}
	}
	if len(kp.Cert.IPAddresses) != 1 || len(kp.Cert.DNSNames) != 2 {
		t.Errorf("IPs %v DNS names %v", kp.Cert.IPAddresses, kp.Cert.DNSNames)
	}
}
