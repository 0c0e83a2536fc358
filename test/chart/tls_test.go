package chart

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestGeneratedCertificates: with no certificates given, the chart makes an
// ECDSA P-256 CA and a serving certificate it signed for the Service's
// names, for server auth, whose key is in the same Secret; the CA, with its
// key, is kept in the Secret stagehand-webhook-ca for the next upgrade
// (TestInstall checks that an upgrade reuses it).
func TestGeneratedCertificates(t *testing.T) {
	objects := mustTemplate(t)
	secret := typed[corev1.Secret](t, mustFind(t, objects, "Secret", "stagehand-webhook-tls"))
	caSecret := typed[corev1.Secret](t, mustFind(t, objects, "Secret", "stagehand-webhook-ca"))
	if secret.Type != corev1.SecretTypeTLS || caSecret.Type != corev1.SecretTypeTLS {
		t.Errorf("Secret types %q and %q, want %s", secret.Type, caSecret.Type, corev1.SecretTypeTLS)
	}
	if _, ok := secret.Data["ca.key"]; ok {
		t.Error("the Secret the webhook mounts holds the CA's key")
	}
	ca := parseCert(t, secret.Data["ca.crt"])
	if string(caSecret.Data["tls.crt"]) != string(secret.Data["ca.crt"]) {
		t.Error("stagehand-webhook-ca holds another CA than the caBundle")
	}
	if _, err := tls.X509KeyPair(caSecret.Data["tls.crt"], caSecret.Data["tls.key"]); err != nil {
		t.Errorf("the CA's key does not match it: %v", err)
	}
	if !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("the CA is not one: IsCA %v, key usage %v", ca.IsCA, ca.KeyUsage)
	}
	pair, err := tls.X509KeyPair(secret.Data["tls.crt"], secret.Data["tls.key"])
	if err != nil {
		t.Fatalf("tls.crt and tls.key: %v", err)
	}
	leaf := parseCert(t, secret.Data["tls.crt"])
	if k, ok := pair.PrivateKey.(*ecdsa.PrivateKey); !ok || k.Curve != elliptic.P256() {
		t.Errorf("serving key %T, want ECDSA P-256 as stagehand's other certificates (docs/tls.md)", pair.PrivateKey)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range []string{"stagehand-webhook.stagehand-system.svc", "stagehand-webhook.stagehand-system.svc.cluster.local"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("the serving certificate for %s: %v", name, err)
		}
	}
	if days := leaf.NotAfter.Sub(leaf.NotBefore).Hours() / 24; days < 364 || days > 366 {
		t.Errorf("serving certificate valid %.0f days, want certificates.selfSigned.validityDays (365)", days)
	}
	if time.Until(ca.NotAfter) < 9*365*24*time.Hour {
		t.Errorf("the CA expires %v, want about 10 years (certificates.selfSigned.caValidityDays)", ca.NotAfter)
	}
}

// parseCert parses a PEM certificate or fails the test.
func parseCert(t *testing.T, pemBytes []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("not a PEM certificate: %.40q", pemBytes)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
