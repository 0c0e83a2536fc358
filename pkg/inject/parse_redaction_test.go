package inject

import (
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"strings"
	"testing"
)

// TestNoCredentialIsEchoed: whatever key a credential is written in, and
// however it is written, no error or warning of Parse repeats it.
func TestNoCredentialIsEchoed(t *testing.T) {
	values := []string{
		"u:SEKRIT@ats:8188", // issue 11: credentials without a scheme
		"SEKRIT@ats:8188",
		"http://u:SEKRIT@ats:8188",
		"https://u:SEKRIT@h.example.com/a.jar?token=SEKRIT",
		"https://h.example.com/a.jar?X-Amz-Signature=SEKRIT",
		"u%3aSEKRIT%40ats:8188",
		"https://u:SEK#RIT@h.example.com/a.jar",
		"main,u:SEKRIT@ats",
		"https://a.example.com/a.jar,u:SEKRIT@b/b.jar",
	}
	keys := []string{annotations.Prefix + "no-such-key"}
	for _, k := range Registry() {
		if !k.Written {
			keys = append(keys, k.Name)
		}
	}
	for _, strict := range []bool{false, true} {
		for _, key := range keys {
			for _, v := range values {
				anns := map[string]string{key: v, Jars: "https://h.example.com/x.jar", Agent: "true"}
				_, warnings, errs := parse(annotated(anns), &Options{Strict: strict, AllowedDependencyHosts: []string{"*.example.com"}})
				texts := warnings
				for _, e := range errs {
					texts = append(texts, e.Error())
				}
				for _, text := range texts {
					if strings.Contains(text, "SEK") {
						t.Errorf("%s=%q (strict %v): %q echoes the credential", key, v, strict, text)
					}
				}
			}
		}
	}
}
