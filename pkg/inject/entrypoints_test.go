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
		// Docker Hub's spellings, digests and mirrors (issue 15).
		"docker.io prefix":          {"docker.io/apache/spark:3.5.3", []string{"/opt/three-five.sh"}},
		"index.docker.io prefix":    {"index.docker.io/apache/spark:4.0.0", []string{"/opt/entrypoint.sh"}},
		"a digest":                  {"apache/spark@sha256:0123456789abcdef", []string{"/opt/entrypoint.sh"}},
		"tag and digest":            {"apache/spark:4.0.0@sha256:0123456789abcdef", []string{"/opt/entrypoint.sh"}},
		"a private mirror":          {"mirror.example.com:5000/apache/spark:4.0.0", []string{"/opt/entrypoint.sh"}},
		"a literal key, normalised": {"docker.io/apache/spark:3.5.3-py", []string{"/opt/py.sh"}},
		"no tag is latest":          {"apache/spark", []string{"/opt/entrypoint.sh"}},
		"another repository":        {"apache/sparkle:1", []string{"/generic"}},
		"not a prefix":              {"example.com/notapache/spark:1", nil},
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

// TestEntrypointsReferences: keys with registries, library images and
// keys without tags compare as the runtime reads references.
func TestEntrypointsReferences(t *testing.T) {
	m := Entrypoints{
		"busybox":                       {"/bin/sh"},
		"registry.example.com/team/*:*": {"/team"},
		"docker.io/library/python:3.*":  {"/python"},
		"localhost/dev:*":               {"/dev"},
	}
	for image, want := range map[string][]string{
		"busybox":                                 {"/bin/sh"},
		"library/busybox:latest":                  {"/bin/sh"},
		"docker.io/library/busybox":               {"/bin/sh"},
		"busybox:1.36":                            nil, // a key without a tag means latest
		"registry.example.com/team/etl:2":         {"/team"},
		"registry.example.com/team/etl@sha256:ab": {"/team"},
		"mirror.example.com/team/etl:2":           nil, // the key names its registry
		"python:3.12":                             {"/python"},
		"quay.io/library/python:3.12":             nil,
		"localhost/dev:1":                         {"/dev"},
	} {
		got, ok := m.Lookup(image)
		if ok != (want != nil) || !slices.Equal(got, want) {
			t.Errorf("Lookup(%q) = %v, %v; want %v", image, got, ok, want)
		}
	}
}
