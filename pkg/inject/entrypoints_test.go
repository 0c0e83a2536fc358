package inject

import (
	"slices"
	"testing"
)

func TestEntrypointsLookup(t *testing.T) {
	m := Entrypoints{
		"apache/*":              {"/generic"},
		"apache/spark:*":        {"/opt/entrypoint.sh"},
		"apache/spark:3.5.?":    {"/opt/three-five.sh"},
		"apache/spark:3.5.3-py": {"/opt/py.sh"},
	}
	tests := map[string]struct {
		image string
		want  []string
	}{
		"exact key wins":          {"apache/spark:3.5.3-py", []string{"/opt/py.sh"}},
		"longest pattern wins":    {"apache/spark:3.5.1", []string{"/opt/three-five.sh"}},
		"shorter pattern matches": {"apache/spark:4.0.0", []string{"/opt/entrypoint.sh"}},
		"widest pattern":          {"apache/flink:1.20", []string{"/generic"}},
		"no match":                {"mr3project/hive:4.0.0", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := m.Lookup(tc.image)
			if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
				t.Errorf("Lookup(%q) = %v, %v; want %v", tc.image, got, ok, tc.want)
			}
		})
	}
}
