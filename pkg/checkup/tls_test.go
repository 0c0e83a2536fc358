package checkup

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
)

// TestVerifyServing: the serving certificate against the CA bundle, with
// certificates made here: matching, another CA, expired, without the
// Service's name, close to expiry, with another key, several problems at
// once.
func TestVerifyServing(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const host = "stagehand-webhook.stagehand-system.svc"
	names := certs.DNSNames("stagehand-webhook", "stagehand-system")
	day := 24 * time.Hour
	ca := newCA(t, "stagehand-webhook-ca", now.Add(-day), 3650*day)
	other := newCA(t, "another-ca", now.Add(-day), 3650*day)
	expiredCA := newCA(t, "expired-ca", now.Add(-20*day), 10*day)
	issue := func(by *certs.KeyPair, names []string, from time.Time, validity time.Duration) *certs.KeyPair {
		t.Helper()
		kp, err := by.Issue(names, from, validity)
		if err != nil {
			t.Fatal(err)
		}
		return kp
	}
	good := issue(ca, names, now.Add(-day), 90*day)
	for _, tc := range []struct {
		name      string
		bundle    []byte
		cert, key []byte
		want      Status
		wantFound []string
	}{
		{"matching", ca.CertPEM, good.CertPEM, good.KeyPEM, Pass,
			[]string{`signed by the caBundle's CA "stagehand-webhook-ca"`, "names " + host, "valid until 2026-05-29T12:00:00Z", "89 days left"}},
		{"chain in tls.crt", ca.CertPEM, slices.Concat(good.CertPEM, ca.CertPEM), good.KeyPEM, Pass, nil},
		{"bundle of two CAs", slices.Concat(other.CertPEM, ca.CertPEM), good.CertPEM, good.KeyPEM, Pass, nil},
		{"fresh certificate of a day", ca.CertPEM, issue(ca, names, now, day).CertPEM, nil, Pass, []string{"24h0m0s left"}},
		{"wrong CA", other.CertPEM, good.CertPEM, good.KeyPEM, Fail,
			[]string{`not signed by the caBundle's CA (issued by "stagehand-webhook-ca"; the caBundle holds "another-ca")`}},
		{"expired", ca.CertPEM, issue(ca, names, now.Add(-2*day), day).CertPEM, nil, Fail, []string{"expired on 2026-02-28T12:00:00Z"}},
		{"not yet valid", ca.CertPEM, issue(ca, names, now.Add(2*day), day).CertPEM, nil, Fail, []string{"not valid before"}},
		{"missing SAN", ca.CertPEM, issue(ca, certs.DNSNames("other", "stagehand-system"), now, 90*day).CertPEM, nil, Fail,
			[]string{"does not name " + host + ", which the API server calls (it names other, other.stagehand-system,"}},
		{"close to expiry", ca.CertPEM, issue(ca, names, now.Add(-85*day), 90*day).CertPEM, nil, Warn, []string{"5 days left", "close to expiry"}},
		{"a day's certificate near its end", ca.CertPEM, issue(ca, names, now.Add(-20*time.Hour), day).CertPEM, nil, Warn, []string{"4h0m0s left"}},
		{"expired CA", expiredCA.CertPEM, issue(expiredCA, names, now.Add(-day), 30*day).CertPEM, nil, Fail,
			[]string{"does not verify against the caBundle", "expired"}},
		{"another key", ca.CertPEM, good.CertPEM, issue(ca, names, now, day).KeyPEM, Fail, []string{"tls.key is not the key of tls.crt"}},
		{"every problem at once", other.CertPEM, issue(ca, []string{"other.svc"}, now.Add(-2*day), day).CertPEM, nil, Fail,
			[]string{"expired on", "does not name " + host, "not signed by the caBundle's CA"}},
		{"no certificate", ca.CertPEM, []byte("not PEM"), nil, Fail, []string{"no PEM certificate"}},
		{"no CA", []byte("not PEM"), good.CertPEM, nil, Fail, []string{"the caBundle holds no PEM certificate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, found := verifyServing(tc.bundle, tc.cert, tc.key, host, now)
			if status != tc.want {
				t.Errorf("%s: %s, want %s", tc.name, status, tc.want)
			}
			for _, w := range tc.wantFound {
				if !strings.Contains(found, w) {
					t.Errorf("%s: %q does not say %q", tc.name, found, w)
				}
			}
		})
	}
}

func newCA(t *testing.T, name string, from time.Time, validity time.Duration) *certs.KeyPair {
	t.Helper()
	ca, err := certs.NewCA(name, from, validity)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}
