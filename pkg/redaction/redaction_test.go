package redaction_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

func TestURL(t *testing.T) {
	sum := strings.Repeat("a", 64)
	tests := []struct{ name, in, want string }{
		{"plain URL kept as written", "https://repo1.maven.org/maven2/a/b.jar", "https://repo1.maven.org/maven2/a/b.jar"},
		{"user and password", "https://user:SEKRIT@host/x.jar", "https://redacted@host/x.jar"},
		{"user only (a token)", "https://SEKRIT@host:8443/x.jar", "https://redacted@host:8443/x.jar"},
		{"empty userinfo", "https://@host/x.jar", "https://redacted@host/x.jar"},
		{"'@' in the password", "https://u:SEK@RIT@host/x.jar", "https://redacted@host/x.jar"},
		{"percent-encoded userinfo", "https://u%3ASEKRIT%40x@host/x.jar", "https://redacted@host/x.jar"},
		{"network-path reference", "//u:SEKRIT@host/x.jar", "//redacted@host/x.jar"},
		{"scheme-less credentials (issue 11)", "u:SEKRIT@ats:8188", "redacted@ats:8188"},
		{"scheme-less credentials and a path", "user:SEKRIT@host/x.jar?token=abc", "redacted@host/x.jar?redacted"},
		{"scheme-less user only", "SEKRIT@ats:8188", "redacted@ats:8188"},
		{"relative, user only, with a path", "SEKRIT@ats/x.jar", "redacted@ats/x.jar"},
		{"scheme-less, percent-encoded '@'", "u%3aSEKRIT%40ats:8188", "redacted@ats:8188"},
		{"opaque, credentials only", "user:SEKRIT@", "redacted@"},
		{"query token", "https://host/x.jar?X-Amz-Signature=SEKRIT&X-Amz-Credential=SEKRIT", "https://host/x.jar?redacted"},
		{"empty query", "http://tok@host:8080/a/b.zip?", "http://redacted@host:8080/a/b.zip?redacted"},
		{"fragment dropped", "https://host/x.jar#sha256=" + sum, "https://host/x.jar"},
		{"token in the fragment", "https://host/cb#access_token=SEKRIT", "https://host/cb"},
		{"everything", "https://u:SEKRIT@host/x.jar?sig=SEKRIT#SEKRIT", "https://redacted@host/x.jar?redacted"},
		{"'@' in the path is not userinfo", "https://registry.npmjs.org/@scope/pkg/-/pkg-1.0.tgz", "https://registry.npmjs.org/@scope/pkg/-/pkg-1.0.tgz"},
		{"IPv6 host", "http://[::1]:8080/x.jar", "http://[::1]:8080/x.jar"},
		{"IPv6 host with credentials", "http://u:SEKRIT@[2001:db8::1]:8080/x.jar", "http://redacted@[2001:db8::1]:8080/x.jar"},
		{"IPv6 host with a zone", "http://u:SEKRIT@[fe80::1%25eth0]/x.jar", "http://redacted@[fe80::1%25eth0]/x.jar"},
		{"local URI", "local:///opt/spark/jars/x.jar", "local:///opt/spark/jars/x.jar"},
		{"local URI without //", "local:/opt/a@b.jar", "local:/opt/a@b.jar"},
		{"invalid: bad port", "https://user:SEKRIT@host:bad/x.jar?token=abc", "https://redacted@host:bad/x.jar?redacted"},
		{"invalid: '#' in the password", "https://u:SEK#RIT@host/x.jar", "https://redacted@host/x.jar"},
		{"invalid: '/' in the password", "https://u:SEK/RIT@host/x.jar", "https://redacted@host/x.jar"},
		{"invalid: scheme starting with a digit", "0user:SEKRIT@host/x.jar", "redacted@host/x.jar"},
		{"invalid: escaped credentials in the host", "https://u%3aSEKRIT%40host/x.jar", "https://redacted@host/x.jar"},
		{"invalid: bad escape, nothing secret", "http://h/%zz", "http://h/%zz"},
		{"not a URL at all", "not a url", "not a url"},
		{"empty", "", ""},
		{"timeline-url with credentials", "http://u:SEKRIT@ats:8188", "http://redacted@ats:8188"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := redaction.URL(tc.in)
			if got != tc.want {
				t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.Contains(got, "SEK") || strings.Contains(got, "RIT@") {
				t.Errorf("URL(%q) = %q leaks the secret", tc.in, got)
			}
			if again := redaction.URL(got); again != got {
				t.Errorf("URL is not idempotent: URL(%q) = %q", got, again)
			}
		})
	}
}

func TestList(t *testing.T) {
	in := " https://u:SEKRIT@a/x.jar , ,local:///opt/y.jar,u:SEKRIT@b/z.jar?t=SEKRIT "
	want := " https://redacted@a/x.jar , ,local:///opt/y.jar,redacted@b/z.jar?redacted "
	if got := redaction.List(in); got != want {
		t.Errorf("List(%q) = %q, want %q", in, got, want)
	}
}

// TestURLIsBounded: a very long value costs a result no longer than the
// input plus 16 bytes and a fixed number of allocations.
func TestURLIsBounded(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	for _, in := range []string{
		"https://u:" + long + "@host/" + long + "?q=" + long + "#" + long,
		long + "@" + long,
		"https://" + strings.Repeat("%40", 1<<18) + "/x",
		"?", "@", "#", "%40", "@?",
		strings.Repeat("@", 1<<20),
	} {
		got := redaction.URL(in)
		if len(got) > len(in)+16 {
			t.Errorf("URL of %d bytes is %d bytes", len(in), len(got))
		}
		if allocs := testing.AllocsPerRun(5, func() { redaction.URL(in) }); allocs > 12 {
			t.Errorf("URL of %d bytes made %.0f allocations, want at most 12", len(in), allocs)
		}
	}
}

// FuzzURL checks what holds for every input: the result is no longer than
// the input plus 16 bytes, redacting it again changes nothing, and when it
// parses it carries no userinfo but the marker, no query but the marker and
// no fragment.
func FuzzURL(f *testing.F) {
	for _, seed := range []string{
		"https://u:p@h/x.jar?q=1#f", "u:SEKRIT@ats:8188", "//a@b", "local:///x", "0u:p@h",
		"https://u%3ASEKRIT%40x@host/x.jar", "http://[fe80::1%25eth0]/a", "a/b://c@d",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := redaction.URL(in)
		if len(got) > len(in)+16 {
			t.Fatalf("URL(%q) = %q grew by %d bytes", in, got, len(got)-len(in))
		}
		if again := redaction.URL(got); again != got {
			t.Fatalf("URL(%q) = %q, but URL of that is %q", in, got, again)
		}
		if strings.Contains(got, "#") {
			t.Fatalf("URL(%q) = %q keeps a fragment", in, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			return
		}
		if u.User != nil && u.User.String() != redaction.Marker {
			t.Fatalf("URL(%q) = %q keeps userinfo %q", in, got, u.User)
		}
		if u.RawQuery != "" && u.RawQuery != redaction.Marker {
			t.Fatalf("URL(%q) = %q keeps query %q", in, got, u.RawQuery)
		}
		if at := strings.LastIndex(u.Opaque, "@"); at >= 0 && u.Opaque[:at] != redaction.Marker && !strings.HasSuffix(u.Opaque[:at], redaction.Marker) {
			t.Fatalf("URL(%q) = %q keeps %q before an '@'", in, got, u.Opaque[:at])
		}
	})
}
