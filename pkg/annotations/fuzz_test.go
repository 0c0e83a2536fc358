package annotations

import (
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
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		p := pod(map[string]string{Prefix + k1: v1, Prefix + k2: v2})
		spec, _, errs := Parse(p, Options{AllowedHosts: []string{"*.example.com"}})
		for _, e := range errs {
			if !strings.HasPrefix(e.Field, "metadata.annotations") {
				t.Fatalf("error does not name an annotation: %v", e)
			}
			if strings.Contains(e.Error(), "u:p@") {
				t.Fatalf("error echoes credentials: %v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		if spec.Token != nil && (spec.Token.ExpirationSeconds < MinTokenExpiration || spec.Token.ExpirationSeconds > MaxTokenExpiration) {
			t.Fatalf("accepted expiration %d", spec.Token.ExpirationSeconds)
		}
		if spec.Deps != nil && (spec.Deps.Parallelism < 1 || spec.Deps.FetchTimeout <= 0) {
			t.Fatalf("accepted deps %+v", spec.Deps)
		}
	})
}
