package inject

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// slimAnnotations ask for every part stagehand injects into a worker.
var slimAnnotations = map[string]string{
	ServiceAccountToken: "true", ATSConfigMap: "client-am-config", Agent: "true", TimelineURL: "http://ats:8188",
	Jars: "https://repo.example.com/a.jar,https://repo.example.com/b.jar", Files: "https://repo.example.com/c.xml",
}

// TestPatchAddsAbsentArraysWhole: where the pod has no array yet (volumes,
// init containers, a container's env and mounts), the patch adds it whole
// in one operation; where the pod has one, it adds stagehand's elements to
// it; and no path is patched twice.
func TestPatchAddsAbsentArraysWhole(t *testing.T) {
	in := New(Options{Version: "test", AgentImage: "agent:test"})
	bare := newPod(slimAnnotations, corev1.Container{Name: "main", Image: "busybox", Command: []string{"run"}})
	res, got := injectChecked(t, in, bare)
	if got == nil {
		t.Fatal("denied")
	}
	seen := map[string]bool{}
	for _, op := range res.Patch {
		if seen[op.Path] {
			t.Errorf("path %s patched twice", op.Path)
		}
		seen[op.Path] = true
	}
	for _, whole := range []string{"/spec/volumes", "/spec/initContainers", "/spec/containers/0/env", "/spec/containers/0/volumeMounts"} {
		n := 0
		for _, op := range res.Patch {
			if op.Path == whole && op.Operation == "add" {
				n++
			} else if strings.HasPrefix(op.Path, whole+"/") {
				t.Errorf("%s %s: the pod had no %s, so it is added whole", op.Operation, op.Path, whole)
			}
		}
		if n != 1 {
			t.Errorf("%d adds of %s, want the whole array in one", n, whole)
		}
	}

	own := bare.DeepCopy()
	own.Spec.Volumes = []corev1.Volume{{Name: "own", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	res, got = injectChecked(t, in, own)
	if got == nil {
		t.Fatal("denied")
	}
	for _, op := range res.Patch {
		if op.Path == "/spec/volumes" {
			t.Errorf("%s %s replaces the pod's own volumes", op.Operation, op.Path)
		}
	}
}

// TestNothingInjectedTwice: stagehand's one init container, no env var set
// twice in a container, and no value (a classpath, a URL) carried by two of
// them.
func TestNothingInjectedTwice(t *testing.T) {
	in := New(Options{Version: "test", AgentImage: "agent:test"})
	_, got := injectChecked(t, in, newPod(slimAnnotations, corev1.Container{Name: "main", Image: "busybox", Command: []string{"run"}}))
	if got == nil {
		t.Fatal("denied")
	}
	if n := len(got.Spec.InitContainers); n != 1 || got.Spec.InitContainers[0].Name != InitContainer {
		t.Errorf("%d init containers (%v), want stagehand's one, %s", n, got.Spec.InitContainers, InitContainer)
	}
	for _, c := range append(got.Spec.InitContainers, got.Spec.Containers...) {
		names, values := map[string]bool{}, map[string]string{}
		for _, e := range c.Env {
			if names[e.Name] {
				t.Errorf("container %s: env var %s set twice", c.Name, e.Name)
			}
			names[e.Name] = true
			if e.Value == "" {
				continue
			}
			if other, dup := values[e.Value]; dup {
				t.Errorf("container %s: %s and %s carry the same value %q", c.Name, other, e.Name, e.Value)
			}
			values[e.Value] = e.Name
		}
	}
}
