package reliability

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

// tlsDoc documents the TLS configuration; its tables are checked here.
const tlsDoc = "../../docs/tls.md"

// TestTLS checks the running server's TLS: no TLS 1.0 or 1.1, no HTTP/2,
// and for TLS 1.2 exactly the cipher suites docs/tls.md lists, for an
// ECDSA certificate (what stagehand's installs make) and an RSA one.
func TestTLS(t *testing.T) {
	needBinary(t)
	ca := newCA(t)
	dir, _ := ca.certDir(t)
	srv := startServer(t, options{certDir: dir})
	doc := documentedSuites(t)
	dial := func(c *tls.Config) (tls.ConnectionState, error) { return handshake(srv.addr(), ca, c) }

	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		t.Run(tls.VersionName(v)+" refused", func(t *testing.T) {
			// The same client config succeeds against a permissive server,
			// so its failure here is the webhook's refusal.
			if _, err := handshake(permissiveServer(t, ca), ca, &tls.Config{MinVersion: v, MaxVersion: v}); err != nil {
				t.Fatalf("the probe cannot speak %s at all: %v", tls.VersionName(v), err)
			}
			st, err := dial(&tls.Config{MinVersion: v, MaxVersion: v})
			if err == nil {
				t.Fatalf("%s handshake succeeded (negotiated %s)", tls.VersionName(v), tls.VersionName(st.Version))
			}
			if !strings.Contains(err.Error(), "protocol version") {
				t.Errorf("%s refused with %v, want a protocol_version alert (docs/tls.md)", tls.VersionName(v), err)
			}
		})
	}
	t.Run("HTTP/2 refused", func(t *testing.T) {
		st, err := dial(&tls.Config{NextProtos: []string{"h2"}})
		switch {
		case err == nil:
			t.Errorf("ALPN h2 only: the handshake succeeded with protocol %q", st.NegotiatedProtocol)
		case !strings.Contains(err.Error(), "no application protocol"):
			t.Errorf("ALPN h2 only: refused with %v, want a no_application_protocol alert (docs/tls.md)", err)
		}
		client := newClient(ca.pool, 1)
		client.Transport.(*http.Transport).ForceAttemptHTTP2 = true
		resp, err := client.Get("https://" + srv.addr() + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.ProtoMajor != 1 || resp.TLS == nil || resp.TLS.NegotiatedProtocol == "h2" {
			t.Errorf("an HTTP/2-capable client got %s, ALPN %q", resp.Proto, resp.TLS.NegotiatedProtocol)
		}
	})
	t.Run("TLS 1.2 default client", func(t *testing.T) {
		st, err := dial(&tls.Config{MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		if name := tls.CipherSuiteName(st.CipherSuite); st.Version != tls.VersionTLS12 || !slices.Contains(doc["ECDSA"], name) {
			t.Errorf("negotiated %s with %s, not a documented TLS 1.2 ECDSA suite %q", tls.VersionName(st.Version), name, doc["ECDSA"])
		}
	})
	t.Run("TLS 1.3 default client", func(t *testing.T) {
		st, err := dial(&tls.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if name := tls.CipherSuiteName(st.CipherSuite); st.Version != tls.VersionTLS13 || !slices.Contains(doc["TLS 1.3"], name) {
			t.Errorf("negotiated %s with %s, want TLS 1.3 with one of %q", tls.VersionName(st.Version), name, doc["TLS 1.3"])
		}
	})
	t.Run("TLS 1.2 suites, ECDSA certificate", func(t *testing.T) {
		if got := acceptedTLS12Suites(srv.addr(), ca); !slices.Equal(got, doc["ECDSA"]) {
			t.Errorf("the server accepts %q, %s documents %q", got, tlsDoc, doc["ECDSA"])
		}
	})
	t.Run("TLS 1.2 suites, RSA certificate", func(t *testing.T) {
		rsaDir := t.TempDir()
		writeRSAPair(t, ca, rsaDir)
		rsaSrv := startServer(t, options{certDir: rsaDir})
		if got := acceptedTLS12Suites(rsaSrv.addr(), ca); !slices.Equal(got, doc["RSA"]) {
			t.Errorf("the server accepts %q, %s documents %q", got, tlsDoc, doc["RSA"])
		}
	})
}

// handshake makes a verified TLS handshake with addr.
func handshake(addr string, ca *testCA, c *tls.Config) (tls.ConnectionState, error) {
	c.RootCAs = ca.pool
	c.ServerName = "127.0.0.1"
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: requestTimeout}, "tcp", addr, c)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

// acceptedTLS12Suites offers every TLS 1.2 cipher suite Go implements, one
// at a time, and returns the names of those the server accepts, sorted.
func acceptedTLS12Suites(addr string, ca *testCA) []string {
	var accepted []string
	for _, s := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
		if !slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			continue
		}
		c := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{s.ID}}
		if st, err := handshake(addr, ca, c); err == nil && st.CipherSuite == s.ID {
			accepted = append(accepted, s.Name)
		}
	}
	slices.Sort(accepted)
	return accepted
}

// documentedSuites reads the suite tables of docs/tls.md: rows whose first
// cell is a suite name in backquotes and whose second cell is the
// certificate key (ECDSA, RSA) or, for TLS 1.3, "TLS 1.3". Lists are sorted.
func documentedSuites(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(tlsDoc)
	if err != nil {
		t.Fatal(err)
	}
	suites := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if !strings.HasPrefix(name, "TLS_") {
			continue
		}
		key := strings.TrimSpace(cells[2])
		suites[key] = append(suites[key], name)
	}
	for _, key := range []string{"ECDSA", "RSA", "TLS 1.3"} {
		if len(suites[key]) == 0 {
			t.Fatalf("%s lists no %s suites", tlsDoc, key)
		}
		slices.Sort(suites[key])
	}
	return suites
}

// permissiveServer serves TLS 1.0 and up with a certificate of ca, and
// returns its address.
func permissiveServer(t *testing.T, ca *testCA) string {
	t.Helper()
	pair, err := ca.issue()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(pair.CertPEM, pair.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(requestTimeout))
				_ = conn.(*tls.Conn).Handshake()
			}()
		}
	}()
	return l.Addr().String()
}

// writeRSAPair writes a serving certificate with an RSA key, signed by ca.
func writeRSAPair(t *testing.T, ca *testCA, dir string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pair := &certs.KeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	if err := writePairFiles(dir, pair); err != nil {
		t.Fatal(err)
	}
}
