package inject

import (
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error names a
// stagehand.io/ annotation, and that an accepted spec is self-consistent.
func FuzzParse(f *testing.F) {
	f.Add("service-account-token", "true", "token-expiration", "600")
	f.Add("jars", "https://u:p@h/a.jar?x=1#sha256=00", "jars-dir", "/proc/x")
	f.Add("containers", "main,,x", "ats-secret", "S")
	f.Add("archives", "local:///a.zip", "files", "http://[::1]/a")
	f.Add("timeline-url", "u:SEKRIT@ats:8188", "jars", "u%3aSEKRIT%40h/a.jar")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		p := annotated(map[string]string{annotations.Prefix + k1: v1, annotations.Prefix + k2: v2})
		spec, _, errs := parse(p, &Options{AllowedDependencyHosts: []string{"*.example.com"}})
		for _, e := range errs {
			if !strings.HasPrefix(e.Field, "metadata.annotations") {
				t.Fatalf("error does not name an annotation: %v", e)
			}
			if strings.Contains(e.Error(), "u:p@") {
				t.Fatalf("error echoes credentials: %v", e)
			}
			if (credentialLike(v1) || credentialLike(v2)) && strings.Contains(e.Error(), "SEKRIT") {
				t.Fatalf("error echoes credentials: %v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		if token := requestOf[TokenSpec](&spec); token != nil && (token.ExpirationSeconds < MinTokenExpiration || token.ExpirationSeconds > MaxTokenExpiration) {
			t.Fatalf("accepted expiration %d", token.ExpirationSeconds)
		}
		if deps := requestOf[DepsSpec](&spec); deps != nil && (deps.Parallelism < 1 || deps.FetchTimeout <= 0) {
			t.Fatalf("accepted deps %+v", deps)
		}
	})
}

// credentialLike reports whether v holds "SEKRIT" once, where only a
// credential can be: right before an '@' (or "%40"), after nothing but a
// scheme and "//", with no query, fragment or list item before it.
func credentialLike(v string) bool {
	i := strings.Index(v, "SEKRIT")
	if i < 0 || strings.Count(v, "SEKRIT") != 1 {
		return false
	}
	before, after := v[:i], v[i+len("SEKRIT"):]
	if !strings.HasPrefix(after, "@") && !strings.HasPrefix(after, "%40") {
		return false
	}
	return !strings.ContainsAny(before, "?#,@ ") && strings.Count(before, "/") == 2*strings.Count(before, "//")
}
