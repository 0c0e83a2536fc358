package fuzzpod

import (
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Shape builds a small pod, as JSON decodes into any, from data, one byte
// per choice (zeros once data runs out). The choices are few, so that pods
// which read alike in a careless encoding are near each other: a handful of
// annotation profiles, and names from one short list shared by containers
// and env vars, absent and empty names included, which the profiles make
// injection depend on.
func Shape(data []byte) map[string]any {
	s := shaper{data: data}
	return s.pod()
}

// profiles are the annotations of the pods Shape builds. The keys are
// spelled out: package inject, which declares them, fuzzes with this one.
var profiles = []map[string]any{
	{},
	{annotations.Prefix + "agent": "true"},
	{annotations.Prefix + "service-account-token": "true", annotations.Containers: "main"},
	{annotations.Prefix + "timeline-url": "http://ats:8188", annotations.Prefix + "ats-secret": "ats"},
	{annotations.Prefix + "agent": "true", annotations.Prefix + "jars": "https://repo.example.com/a.jar", annotations.Containers: "worker"},
	{annotations.Inject: "false", annotations.Prefix + "service-account-token": "true"},
}

// shapeNames are the names of containers and env vars, some of which
// stagehand injects.
var shapeNames = []string{"main", "", "worker", "STAGEHAND_TIMELINE_URL", "ATS_SECRET_KEY"}

// shapeValues are the values of env vars.
var shapeValues = []string{"x", "http://ats:8188", ""}

type shaper struct {
	data []byte
	at   int
}

func (s *shaper) next() int {
	if s.at >= len(s.data) {
		return 0
	}
	s.at++
	return int(s.data[s.at-1])
}

// set sets obj[key] to one of values, or leaves it absent.
func (s *shaper) set(obj map[string]any, key string, values []string) {
	if i := s.next() % (len(values) + 1); i < len(values) {
		obj[key] = values[i]
	}
}

func (s *shaper) pod() map[string]any {
	b := s.next()
	spec := map[string]any{}
	if b&0x80 != 0 {
		spec["automountServiceAccountToken"] = false
	}
	containers := make([]any, s.next()%3)
	for i := range containers {
		containers[i] = s.container()
	}
	spec["containers"] = containers
	return map[string]any{"metadata": map[string]any{"annotations": profiles[b%len(profiles)]}, "spec": spec}
}

// container builds a container from its name and one byte of flags: a
// command, an image the entrypoint map knows, and up to 3 env vars.
func (s *shaper) container() map[string]any {
	c := map[string]any{}
	s.set(c, "name", shapeNames)
	flags := s.next()
	if flags&1 != 0 {
		c["command"] = []any{"/run.sh"}
	}
	if flags&2 != 0 {
		c["image"] = "apache/spark:3.5.3"
	}
	if n := (flags >> 2) % 5; n > 0 {
		env := make([]any, n-1)
		for i := range env {
			e := map[string]any{}
			s.set(e, "name", shapeNames)
			s.set(e, "value", shapeValues)
			env[i] = e
		}
		c["env"] = env
	}
	return c
}
