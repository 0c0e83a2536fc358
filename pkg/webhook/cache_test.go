package webhook

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// pod is a generic pod object that tests change field by field.
type pod = map[string]any

func path(p pod, keys ...any) any {
	var v any = p
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func container(p pod) map[string]any { return path(p, "spec", "containers", 0).(map[string]any) }

// TestCacheKey: a change to anything injection reads changes a pod's
// key, so the cache never answers for it; a change to anything else (the
// pod's name and namespace, its args, the values of its own env vars, other
// annotations) keeps it, and injection gives the same answer.
func TestCacheKey(t *testing.T) {
	data, err := os.ReadFile("../../testdata/inject/mr3-worker-agent.in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var base pod
	if err := yaml.Unmarshal(data, &base); err != nil {
		t.Fatal(err)
	}
	container(base)["env"] = []any{
		map[string]any{"name": "HIVE_OPTS", "value": "-Xmx4g"},
		map[string]any{"value": "http://ats.example.com:8188", "name": inject.TimelineURLEnv},
	}
	container(base)["volumeMounts"] = []any{map[string]any{"name": "conf", "mountPath": "/etc/hive"}}
	changes := map[string]struct {
		change func(p pod)
		same   bool
	}{
		"name":                       {func(p pod) { path(p, "metadata").(map[string]any)["name"] = "mr3worker-7c1e-4" }, true},
		"generateName":               {func(p pod) { path(p, "metadata").(map[string]any)["generateName"] = "mr3worker-" }, true},
		"namespace":                  {func(p pod) { path(p, "metadata").(map[string]any)["namespace"] = "other" }, true},
		"labels":                     {func(p pod) { path(p, "metadata").(map[string]any)["labels"] = map[string]any{"a": "b"} }, true},
		"another annotation":         {func(p pod) { path(p, "metadata", "annotations").(map[string]any)["mr3/dag"] = "dag_1" }, true},
		"args":                       {func(p pod) { container(p)["args"] = []any{"--ContainerWorker", "7c1e-4"} }, true},
		"resources":                  {func(p pod) { container(p)["resources"] = map[string]any{"limits": map[string]any{"cpu": "2"}} }, true},
		"value of the pod's env var": {func(p pod) { path(p, "spec", "containers", 0, "env", 0).(map[string]any)["value"] = "-Xmx8g" }, true},
		"restartPolicy":              {func(p pod) { path(p, "spec").(map[string]any)["restartPolicy"] = "Always" }, true},
		"stagehand annotation":       {func(p pod) { path(p, "metadata", "annotations").(map[string]any)["stagehand.io/task-timeout"] = "1h" }, false},
		"no annotations but ours":    {func(p pod) { path(p, "metadata").(map[string]any)["annotations"] = map[string]any{} }, false},
		"image":                      {func(p pod) { container(p)["image"] = "mr3project/hive:4.0.1" }, false},
		"container name":             {func(p pod) { container(p)["name"] = "worker" }, false},
		"command":                    {func(p pod) { container(p)["command"] = []any{"/bin/sh"} }, false},
		"name of the pod's env var":  {func(p pod) { path(p, "spec", "containers", 0, "env", 0).(map[string]any)["name"] = "HIVE_CONF" }, false},
		"value of an injected env var": {func(p pod) {
			path(p, "spec", "containers", 0, "env", 1).(map[string]any)["value"] = "http://other:8188"
		}, false},
		"valueFrom of the pod's env var": {func(p pod) {
			path(p, "spec", "containers", 0, "env", 0).(map[string]any)["valueFrom"] = map[string]any{"fieldRef": map[string]any{"fieldPath": "spec.nodeName"}}
		}, true},
		"valueFrom of an injected env var": {func(p pod) {
			path(p, "spec", "containers", 0, "env", 1).(map[string]any)["valueFrom"] = map[string]any{"fieldRef": map[string]any{"fieldPath": "spec.nodeName"}}
		}, false},
		"volumeMounts": {func(p pod) { container(p)["volumeMounts"] = []any{} }, false},
		"volumes": {func(p pod) {
			path(p, "spec").(map[string]any)["volumes"] = []any{map[string]any{"name": "conf", "emptyDir": map[string]any{}}}
		}, false},
		"initContainers": {func(p pod) { path(p, "spec").(map[string]any)["initContainers"] = []any{} }, false},
		"automount":      {func(p pod) { path(p, "spec").(map[string]any)["automountServiceAccountToken"] = true }, false},
		"grace period":   {func(p pod) { path(p, "spec").(map[string]any)["terminationGracePeriodSeconds"] = 30 }, false},
		"fsGroup":        {func(p pod) { path(p, "spec").(map[string]any)["securityContext"] = map[string]any{"fsGroup": 1000} }, false},
		"second container": {func(p pod) {
			path(p, "spec").(map[string]any)["containers"] = append(path(p, "spec", "containers").([]any), map[string]any{"name": "x"})
		}, false},
	}
	h := &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})}
	baseKey, baseAnswer := keyAndAnswer(t, h, base)
	for name, tc := range changes {
		t.Run(name, func(t *testing.T) {
			changed := clone(t, base)
			tc.change(changed)
			key, answer := keyAndAnswer(t, h, changed)
			switch {
			case tc.same && !bytes.Equal(key, baseKey):
				t.Errorf("key changed; injection does not read this")
			case tc.same && !reflect.DeepEqual(answer, baseAnswer):
				t.Errorf("injection answered differently to a change it does not read:\n%+v\nwant\n%+v", answer, baseAnswer)
			case !tc.same && bytes.Equal(key, baseKey):
				t.Errorf("key did not change; the cache would answer this pod with another pod's patch")
			}
		})
	}
}

// keyAndAnswer returns a pod's key and the uncached answer to it.
func keyAndAnswer(t *testing.T, h *Handler, p pod) ([]byte, *admissionv1.AdmissionResponse) {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	body := reviewOf(t, "uid", "hivemr3", admissionv1.Create, raw)
	return keyOf(t, body), serveReview(t, h, body)
}

func clone(t *testing.T, p pod) pod {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out pod
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCacheAnswersTheNextPod: the second pod of a job is answered from the
// cache with the answer injection gave the first; denials are not cached.
func TestCacheAnswersTheNextPod(t *testing.T) {
	h := &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"}), Cache: NewCache(8)}
	first := `{"metadata":{"name":"a","annotations":{"stagehand.io/service-account-token":"true"}},"spec":{"containers":[{"name":"c","args":["1"]}]}}`
	next := `{"metadata":{"name":"b","annotations":{"stagehand.io/service-account-token":"true"}},"spec":{"containers":[{"name":"c","args":["2"]}]}}`
	bad := `{"metadata":{"name":"a","annotations":{"stagehand.io/service-account-token":"maybe"}},"spec":{"containers":[{"name":"c"}]}}`
	for _, tc := range []struct {
		pod  string
		hits float64
	}{{first, 0}, {next, 1}, {bad, 0}, {bad, 0}} {
		hits := CacheLookups(cacheHit)
		resp := serveReview(t, h, reviewOf(t, "u", "ns", admissionv1.Create, []byte(tc.pod)))
		if got := CacheLookups(cacheHit) - hits; got != tc.hits {
			t.Errorf("pod %s: %v cache hits, want %v", tc.pod, got, tc.hits)
		}
		if tc.pod == bad && resp.Allowed {
			t.Errorf("pod %s allowed", tc.pod)
		}
		if tc.pod != bad && (!resp.Allowed || len(resp.Patch) == 0) {
			t.Errorf("pod %s not injected: %+v", tc.pod, resp.Result)
		}
	}
}

// TestCacheBounds: a size of 0 turns the cache off, the cache keeps at most
// its size, least recently used first out, and a pod whose key and patch
// pass maxCachedSize is never kept.
func TestCacheBounds(t *testing.T) {
	if NewCache(0) != nil {
		t.Fatal("NewCache(0) is not nil: a size of 0 must turn the cache off")
	}
	podWith := func(container string) []byte {
		return []byte(`{"metadata":{"annotations":{"stagehand.io/service-account-token":"true"}},"spec":{"containers":[{"name":"` + container + `"}]}}`)
	}
	huge := strings.Repeat("x", maxCachedSize)
	injector := inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})
	tests := []struct {
		name string
		size int
		pods [][]byte
		hits float64
	}{
		{"off", 0, [][]byte{podWith("a"), podWith("a")}, 0},
		{"the same pod twice", 1, [][]byte{podWith("a"), podWith("a")}, 1},
		{"evicted by a newer pod", 1, [][]byte{podWith("a"), podWith("b"), podWith("a")}, 0},
		{"too large to keep", 4, [][]byte{podWith(huge), podWith(huge)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &Handler{Injector: injector, Cache: NewCache(tc.size)}
			hits := CacheLookups(cacheHit)
			for _, pod := range tc.pods {
				if resp := serveReview(t, h, reviewOf(t, "u", "ns", admissionv1.Create, pod)); !resp.Allowed {
					t.Fatalf("denied: %+v", resp.Result)
				}
			}
			if got := CacheLookups(cacheHit) - hits; got != tc.hits {
				t.Errorf("%v cache hits, want %v", got, tc.hits)
			}
		})
	}
}
