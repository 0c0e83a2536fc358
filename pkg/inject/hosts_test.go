package inject

import (
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// TestDependencyHostsAtAdmission: a dependency on a cloud metadata service,
// by name or by address in any of its forms, is denied with an error that
// names the key, the URI (redacted) and why, whatever the allowlist.
func TestDependencyHostsAtAdmission(t *testing.T) {
	tests := []struct {
		key, uri, why string
	}{
		{Jars, "https://metadata.google.internal/computeMetadata/v1/x.jar", "Google Cloud"},
		{Jars, "http://METADATA.GOOG./x.jar", "Google Cloud"},
		{Files, "http://metadata/x.txt", "Google Cloud"},
		{Files, "http://instance-data/latest/x.txt", "AWS"},
		{Files, "http://instance-data.ec2.internal/latest/x.txt", "AWS"},
		{Files, "http://u:SEKRIT@169.254.169.254/latest/meta-data?x=SEKRIT", "link-local"},
		{Jars, "http://[fd00:ec2::254]/x.jar", "AWS"},
		{Jars, "http://[64:ff9b::a9fe:a9fe]/x.jar", "NAT64"},
		{Jars, "http://[::ffff:169.254.169.254]/x.jar", "IPv4-mapped"},
		{Jars, "http://[fe80::1%25eth0]/x.jar", "link-local"},
		{Archives, "http://100.100.100.200/x.zip", "Alibaba"},
		{Archives, "http://0.0.0.0:8080/x.zip", "0.0.0.0/8"},
	}
	for _, allowed := range [][]string{nil, {"*"}} {
		for _, tc := range tests {
			_, _, errs := parse(annotated(map[string]string{tc.key: tc.uri}), &Options{AllowedDependencyHosts: allowed})
			if len(errs) != 1 {
				t.Errorf("%s=%s (allowlist %q): errors %v, want one", tc.key, tc.uri, allowed, errs)
				continue
			}
			e := errs[0]
			if e.Field != annotations.KeyPath(tc.key).String() || e.BadValue != redaction.URL(tc.uri) || !strings.Contains(e.Detail, tc.why) ||
				!strings.Contains(e.Detail, "may never be fetched from") || strings.Contains(e.Error(), "SEKRIT") {
				t.Errorf("%s=%s (allowlist %q): error %q, want one naming the key, the redacted URI and %q", tc.key, tc.uri, allowed, e, tc.why)
			}
		}
	}
	for _, uri := range []string{"https://repo.example.com/x.jar", "http://10.0.0.1/x.jar", "http://127.0.0.1:8080/x.jar", "http://[2001:db8::1]/x.jar"} {
		if _, _, errs := parse(annotated(map[string]string{Jars: uri}), &Options{}); len(errs) > 0 {
			t.Errorf("%s: %v, want it allowed without an allowlist", uri, errs)
		}
	}
}
