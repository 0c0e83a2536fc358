package inject

import (
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// TestDependencyListSeparators: a dependency list may be separated by
// commas, newlines or both (a YAML block scalar in a profile), with blank
// lines and spaces ignored; every item is a dependency.
func TestDependencyListSeparators(t *testing.T) {
	for name, v := range map[string]string{
		"commas":         "https://a.example.com/1.jar,https://a.example.com/2.jar, https://a.example.com/3.jar",
		"newlines":       "https://a.example.com/1.jar\nhttps://a.example.com/2.jar\nhttps://a.example.com/3.jar\n",
		"CRLF and blank": "https://a.example.com/1.jar\r\n\r\nhttps://a.example.com/2.jar,\n  https://a.example.com/3.jar",
	} {
		raws, deps, msgs := annotations.ParseURIs("jar", "/jars", v)
		if len(msgs) > 0 || len(deps) != 3 || len(raws) != 3 {
			t.Errorf("%s: %d items, %d dependencies, problems %v; want 3, 3, none", name, len(raws), len(deps), msgs)
		}
	}
}
