package webhook

import (
	"crypto/tls"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHardenTLS(t *testing.T) {
	c := &tls.Config{NextProtos: []string{"h2"}}
	hardenTLS(c)
	if c.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want TLS 1.2", c.MinVersion)
	}
	if strings.Join(c.NextProtos, ",") != "http/1.1" {
		t.Errorf("NextProtos = %q, want [http/1.1]", c.NextProtos)
	}
}

func TestServeTLS(t *testing.T) {
	cfg, cert := testConfig(t)
	startServe(t, cfg)
	addr := "127.0.0.1:" + strconv.Itoa(cfg.Port)
	dial := func(c *tls.Config) (tls.ConnectionState, error) {
		c.RootCAs = cert.pool()
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: requestTimeout}, "tcp", addr, c)
		if err != nil {
			return tls.ConnectionState{}, err
		}
		defer conn.Close()
		return conn.ConnectionState(), nil
	}

	t.Run("TLS 1.1 refused", func(t *testing.T) {
		if _, err := dial(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil {
			t.Error("TLS 1.1 handshake succeeded")
		}
	})
	t.Run("TLS 1.2 accepted", func(t *testing.T) {
		st, err := dial(&tls.Config{MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatalf("TLS 1.2 handshake: %v", err)
		}
		if st.Version != tls.VersionTLS12 {
			t.Errorf("version = %x, want TLS 1.2", st.Version)
		}
	})
	t.Run("HTTP/2 not negotiated", func(t *testing.T) {
		st, err := dial(&tls.Config{NextProtos: []string{"h2", "http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		if st.NegotiatedProtocol != "http/1.1" {
			t.Errorf("ALPN negotiated %q, want http/1.1", st.NegotiatedProtocol)
		}
		resp, err := httpsClient(cert).Get("https://" + addr + Path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.ProtoMajor != 1 {
			t.Errorf("an HTTP/2-capable client got %s", resp.Proto)
		}
	})
}

func TestServeCertReload(t *testing.T) {
	cfg, first := testConfig(t)
	startServe(t, cfg)
	served := func() string {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: requestTimeout}, "tcp",
			"127.0.0.1:"+strconv.Itoa(cfg.Port), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			return err.Error()
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	if got := served(); got != first.cert.SerialNumber.String() {
		t.Fatalf("serving %s, want the first certificate %s", got, first.cert.SerialNumber)
	}

	second := newTestCert(t)
	second.write(t, cfg.CertDir)
	// File events reload at once; the watcher also polls every 10 seconds.
	deadline := time.Now().Add(15 * time.Second)
	got := ""
	for time.Now().Before(deadline) {
		if got = served(); got == second.cert.SerialNumber.String() {
			// The new certificate also verifies as the API server would.
			admit(t, httpsClient(second), cfg.Port, annotatedPod())
			return
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("still serving %s, want the new certificate %s", got, second.cert.SerialNumber)
}
