package fetch

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// TestParseErrorsAreBadInput: what agentapi.ParseDependency refuses (its
// own tests hold the rules) is the fetcher's bad input, exit 10, naming the
// URI only in its redacted form; an accepted URI keeps that form too.
func TestParseErrorsAreBadInput(t *testing.T) {
	for _, raw := range []string{
		"ftp://u:SEKRIT@h/x.jar?token=SEKRIT",
		"user:SEKRIT@host/x.jar?token=SEKRIT", // no "//": scheme "user"
		"https://user:SEKRIT@host:bad/x.jar",  // does not parse
	} {
		_, err := parseDependency(agentapi.KindJar, raw, "/jars")
		assertExitCode(t, err, ExitBadInput)
		var fetchErr *Error
		if !errors.As(err, &fetchErr) || fetchErr.URI != redaction.URL(raw) || strings.Contains(err.Error(), "SEKRIT") {
			t.Errorf("parse %q: error %q does not name %q", raw, err, redaction.URL(raw))
		}
	}
	raw := "https://user:SEKRIT@host/x.jar?token=SEKRIT"
	if dep, err := parseDependency(agentapi.KindJar, raw, "/jars"); err != nil || dep.redacted != redaction.URL(raw) {
		t.Errorf("parse %q = %+v, %v; want it redacted as %q", raw, dep, err, redaction.URL(raw))
	}
}

func TestDependencyPaths(t *testing.T) {
	sum := strings.Repeat("AB", 32)
	dep, err := parseDependency(agentapi.KindJar, "https://h/p/x.jar?v=1#sha256="+sum, "/jars")
	if err != nil {
		t.Fatal(err)
	}
	if dep.name != "x.jar" || dep.target != "/jars/x.jar" || dep.partPath != "/jars/x.jar.part" ||
		dep.wantSHA256 != strings.ToLower(sum) || dep.fetchURL != "https://h/p/x.jar?v=1" {
		t.Fatalf("dependency = %+v", dep)
	}
	for _, raw := range []string{"local:///opt/x.jar", "local:/opt/x.jar"} {
		dep, err := parseDependency(agentapi.KindJar, raw, "/jars")
		if err != nil || !dep.local || dep.localPath != "/opt/x.jar" || dep.name != "x.jar" {
			t.Fatalf("parse %q = %+v, %v", raw, dep, err)
		}
	}
	archive, err := parseDependency(agentapi.KindArchive, "https://h/conf.tar.gz", "/files")
	if err != nil || archive.target != "/files/conf" {
		t.Fatalf("archive = %+v, %v", archive, err)
	}
}

func TestDuplicateNamesRejected(t *testing.T) {
	cases := []agentapi.Job{
		{JarsDir: "/j", FilesDir: "/f", Jars: []string{"https://a/x.jar", "https://b/lib/x.jar"}},
		{JarsDir: "/j", FilesDir: "/f", Jars: []string{"https://a/x.jar"}, Files: []string{"local:///opt/x.jar"}},
		// The archive's directory would clash with the plain file "conf".
		{FilesDir: "/f", Files: []string{"https://a/conf"}, Archives: []string{"https://a/conf.zip"}},
	}
	for _, job := range cases {
		_, err := parseJobDependencies(job.WithDefaults())
		assertExitCode(t, err, ExitBadInput)
	}
}

func TestBackoffDelay(t *testing.T) {
	base, maxDelay := 100*time.Millisecond, time.Second
	for attempt := 1; attempt <= 10; attempt++ {
		ceiling := min(base<<(attempt-1), maxDelay)
		for range 50 {
			if delay := backoffDelay(attempt, base, maxDelay, 0); delay < 0 || delay > ceiling {
				t.Fatalf("attempt %d: delay %s outside [0, %s]", attempt, delay, ceiling)
			}
		}
	}
	if delay := backoffDelay(1, base, maxDelay, 5*time.Second); delay != maxDelay {
		t.Fatalf("Retry-After not capped: %s", delay)
	}
	if delay := backoffDelay(1, base, maxDelay, 300*time.Millisecond); delay != 300*time.Millisecond {
		t.Fatalf("Retry-After not honoured: %s", delay)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":     0,
		"3":    3 * time.Second,
		"-1":   0,
		"soon": 0,
		now.Add(7 * time.Second).Format(httpTimeFormat): 7 * time.Second,
		now.Add(-time.Hour).Format(httpTimeFormat):      0,
	}
	for value, want := range cases {
		if got := parseRetryAfter(value, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", value, got, want)
		}
	}
}

const httpTimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// TestFetchURL: what is sent to the server is the URI as written without
// its #sha256= fragment; a plain URI is sent as it is.
func TestFetchURL(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := map[string]string{
		"https://artifacts.example.com/hive/udfs.jar":            "https://artifacts.example.com/hive/udfs.jar",
		"https://ARTIFACTS.example.com:8443/a.jar#sha256=" + sum: "https://ARTIFACTS.example.com:8443/a.jar",
		"https://user:pw@h/a.jar":                                "https://user:pw@h/a.jar",
		"https://h/a.jar?X-Amz-Signature=s#sha256=" + sum:        "https://h/a.jar?X-Amz-Signature=s",
		"http://[fe80::1]/a.jar":                                 "http://[fe80::1]/a.jar",
	}
	for raw, want := range tests {
		dep, err := parseDependency(agentapi.KindJar, raw, "/jars")
		if err != nil || dep.fetchURL != want {
			t.Errorf("%s: fetch URL %+v, %v; want %q", raw, dep, err, want)
		}
	}
}
