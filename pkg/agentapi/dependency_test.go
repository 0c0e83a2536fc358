package agentapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// TestURIsAreRedacted: a dependency's redacted form and the errors about
// it go through package redaction, whether the URI is valid or not.
func TestURIsAreRedacted(t *testing.T) {
	for _, raw := range []string{
		"https://user:SEKRIT@host/x.jar?token=SEKRIT",
		"http://SEKRIT@host:8080/a/b.zip?",
		"https://user:SEKRIT@host:bad/x.jar?token=SEKRIT", // does not parse
		"user:SEKRIT@host/x.jar?token=SEKRIT",             // no "//": scheme "user"
		"0user:SEKRIT@host/x.jar",                         // does not parse
		"ftp://u:SEKRIT@h/x.jar",
	} {
		dep, err := ParseDependency(KindJar, raw, "/jars")
		if err != nil {
			var uriErr *URIError
			if !errors.As(err, &uriErr) || uriErr.URI != redaction.URL(raw) || strings.Contains(err.Error(), "SEKRIT") {
				t.Errorf("parse %q: error %q does not name %q", raw, err, redaction.URL(raw))
			}
			continue
		}
		if dep.Redacted != redaction.URL(raw) || strings.Contains(dep.Redacted, "SEKRIT") {
			t.Errorf("parse %q: redacted %q, want %q", raw, dep.Redacted, redaction.URL(raw))
		}
	}
}

func TestParseDependency(t *testing.T) {
	sum := strings.Repeat("AB", 32)
	tests := []struct {
		kind, raw string
		want      Dependency
	}{
		{KindJar, "https://h/p/x.jar?v=1#sha256=" + sum, Dependency{Kind: KindJar, Name: "x.jar", Host: "h", Path: "/jars/x.jar",
			SHA256: strings.ToLower(sum), Redacted: "https://h/p/x.jar?redacted", Credentials: true}},
		{KindJar, "local:///opt/x.jar", Dependency{Kind: KindJar, Name: "x.jar", Local: true, Path: "/opt/x.jar", Redacted: "local:///opt/x.jar"}},
		{KindJar, "local:/opt/x.jar", Dependency{Kind: KindJar, Name: "x.jar", Local: true, Path: "/opt/x.jar", Redacted: "local:/opt/x.jar"}},
		{KindArchive, "https://h/conf.tar.gz", Dependency{Kind: KindArchive, Name: "conf.tar.gz", Host: "h", Path: "/jars/conf", Redacted: "https://h/conf.tar.gz"}},
		{KindArchive, "https://h/deps.ZIP", Dependency{Kind: KindArchive, Name: "deps.ZIP", Host: "h", Path: "/jars/deps", Redacted: "https://h/deps.ZIP"}},
		{KindFile, "https://h/conf.tar.gz", Dependency{Kind: KindFile, Name: "conf.tar.gz", Host: "h", Path: "/jars/conf.tar.gz", Redacted: "https://h/conf.tar.gz"}},
	}
	for _, tc := range tests {
		dep, err := ParseDependency(tc.kind, tc.raw, "/jars")
		if err != nil || dep != tc.want {
			t.Errorf("parse %s %q = %+v, %v\nwant %+v", tc.kind, tc.raw, dep, err, tc.want)
		}
	}
}

func TestBadURIs(t *testing.T) {
	cases := map[string]string{
		"ftp://host/x.jar":               `"ftp"`,
		"s3a://bucket/x.jar":             `"s3a"`,
		"/no/scheme.jar":                 "no scheme",
		"https://host/x.jar#md5=abc":     "sha256",
		"https://host/x.jar#sha256=1234": "sha256",
		"https://host/":                  "no file name",
		"https:///x.jar":                 "no host",
		"local://host/x.jar":             "local",
		"local:///x.jar#sha256=" + strings.Repeat("a", 64): "not checked",
	}
	for raw, wantText := range cases {
		_, err := ParseDependency(KindJar, raw, "/jars")
		var uriErr *URIError
		if !errors.As(err, &uriErr) || !strings.Contains(err.Error(), wantText) {
			t.Errorf("parse %q: error %v does not mention %q", raw, err, wantText)
		}
	}
	for _, name := range []string{"x.rar", ".tgz", "..zip", "x.gz"} {
		if _, err := ParseDependency(KindArchive, "https://host/"+name, "/files"); err == nil {
			t.Errorf("archive %q accepted", name)
		}
	}
}

// TestErrorMessage: what the webhook's denial and the fetcher's error say
// about a bad URI, word for word.
func TestErrorMessage(t *testing.T) {
	_, err := ParseDependency(KindJar, "ftp://u:pw@h/x.jar?t=1", "/jars")
	if want := `parse URI ftp://redacted@h/x.jar?redacted: unsupported scheme "ftp"; want https, http or local`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	_, err = ParseDependency(KindJar, "", "/jars")
	if want := "parse URI: URI has no scheme; want https://, http:// or local://"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestExportedDependency: what the webhook learns of a URI, plain or with
// credentials, query or fragment.
func TestExportedDependency(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		raw, host, redacted string
		credentials         bool
	}{
		{"https://artifacts.example.com/hive/udfs.jar", "artifacts.example.com", "https://artifacts.example.com/hive/udfs.jar", false},
		{"https://ARTIFACTS.example.com:8443/a.jar#sha256=" + sum, "ARTIFACTS.example.com", "https://ARTIFACTS.example.com:8443/a.jar", false},
		{"https://user:pw@h/a.jar", "h", "https://redacted@h/a.jar", true},
		{"https://h/a.jar?X-Amz-Signature=s", "h", "https://h/a.jar?redacted", true},
		{"https://h/a.jar?", "h", "https://h/a.jar?redacted", true},
		{"http://[fe80::1]/a.jar", "fe80::1", "http://[fe80::1]/a.jar", false},
		{"local:///opt/a.jar?x=1", "", "local:///opt/a.jar?redacted", false},
	}
	for _, tc := range tests {
		dep, err := ParseDependency(KindJar, tc.raw, "/jars")
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if dep.Host != tc.host || dep.Redacted != tc.redacted || dep.Credentials != tc.credentials {
			t.Errorf("%s: host %q, redacted %q, credentials %v; want %q, %q, %v", tc.raw, dep.Host, dep.Redacted, dep.Credentials, tc.host, tc.redacted, tc.credentials)
		}
	}
}
