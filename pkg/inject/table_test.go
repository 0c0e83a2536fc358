package inject

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// TestTableIsComplete: every registry key belongs to exactly one injection
// (or is one of the general or written keys), every injection declares
// what generic code needs, and everything an injection owns is recorded
// in the status when the pod asks for every injection, and nothing else is.
func TestTableIsComplete(t *testing.T) {
	owner := map[string]string{}
	for _, k := range slices.Concat(annotations.GeneralKeys, annotations.WrittenKeys) {
		owner[k.Name] = "(general)"
	}
	parts := map[string]bool{}
	for _, a := range Injections() {
		if a.Part == "" || a.Field == "" || len(a.Keys) == 0 || len(a.Asks) == 0 || a.AskedAs == "" || a.Guard.Asked == "" {
			t.Errorf("injection %q does not declare everything generic code needs: %+v", a.Part, a)
		}
		if parts[a.Part] {
			t.Errorf("two injections are called %q", a.Part)
		}
		parts[a.Part] = true
		for _, k := range a.Keys {
			if other, ok := owner[k.Name]; ok {
				t.Errorf("%s belongs to %s and to %s", k.Name, other, a.Part)
			}
			owner[k.Name] = a.Part
		}
		for _, k := range a.Asks {
			if owner[k] != a.Part {
				t.Errorf("injection %s is asked for by %s, which is not one of its keys", a.Part, k)
			}
		}
	}
	for _, k := range Registry() {
		if owner[k.Name] == "" {
			t.Errorf("%s belongs to no injection", k.Name)
		}
	}

	// A pod that asks for everything: each owned name is in the status.
	anns := map[string]string{
		DependenciesCAConfigMap: "ca", DependenciesAuthSecret: "auth",
	}
	for _, a := range Injections() {
		anns[a.Asks[0]] = "true"
	}
	anns[ATSSecret], anns[ATSKeytabSecret], anns[TimelineURL] = "ats", "kt", "http://ats:8188"
	anns[Jars] = "https://repo.example.com/a.jar"
	anns[Files], anns[Archives] = "https://repo.example.com/f.txt", "https://repo.example.com/a.zip"
	res, injected := injectChecked(t, New(agentOptions), newPod(anns, corev1.Container{Name: "main", Image: "busybox", Command: []string{"sh"}}))
	if injected == nil {
		t.Fatalf("the pod that asks for everything was denied")
	}
	status := statusOf(t, injected)
	var volumes, inits, env []string
	for _, a := range Injections() {
		if !slices.Contains(status.Parts, a.Part) {
			t.Errorf("part %s is not in the status %v", a.Part, status.Parts)
		}
		volumes = append(volumes, a.Owns.Volumes...)
		inits = append(inits, a.Owns.InitContainers...)
		env = append(env, a.Owns.Env...)
		if a.Owns.WrapsCommands && !slices.Contains(status.Wrapped, "main") {
			t.Errorf("%s wraps commands, but the status records no wrapped container", a.Part)
		}
	}
	for what, lists := range map[string][2][]string{
		"volumes":         {volumes, status.Volumes},
		"init containers": {inits, status.InitContainers},
		"env vars":        {env, status.Env["main"]},
	} {
		owned, recorded := slices.Compact(slices.Sorted(slices.Values(lists[0]))), slices.Sorted(slices.Values(lists[1]))
		if !slices.Equal(owned, recorded) {
			t.Errorf("%s: the injections own %v, the status records %v", what, owned, recorded)
		}
	}
	if len(res.Patch) == 0 {
		t.Error("no patch")
	}
}
