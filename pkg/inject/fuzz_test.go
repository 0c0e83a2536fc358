package inject

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/internal/fuzzpod"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// FuzzInject checks, for arbitrary annotations, that an admitted pod is
// internally valid, that its status reads back as exactly what the
// injection recorded (compact or full), that the patch turns the original
// into exactly the
// injected pod, that a second injection changes nothing, and that the ATS
// key is never a literal value. With the high bit of base set, every
// container of the pod also mounts each volume stagehand injects itself,
// at its own path: those mounts must come through both injections as they
// were.
func FuzzInject(f *testing.F) {
	f.Add(uint8(0), "service-account-token=true\nats-secret=s")
	f.Add(uint8(1), "agent=true\njars=https://a.example.com/x.jar,local:///opt/y.jar\ncontainers=worker")
	f.Add(uint8(1), "ats-configmap=client-am-config\nats-keytab-secret=k\ntimeline-url=http://ats:8188\ntoken-path=/opt/conf")
	f.Add(uint8(0), "archives=https://a.example.com/v.tgz\nfiles=https://a.example.com/f\ndependencies-auth-secret=t\ntask-timeout=1m")
	f.Add(uint8(1), "inject=false\nagent=true")
	f.Add(uint8(0x80), "service-account-token=true")
	f.Add(uint8(0x81), "service-account-token=true\nats-keytab-secret=k\nagent=true\njars=https://a.example.com/x.jar\ntimeline-url=http://ats:8188\ncontainers=worker")
	in := New(Options{Version: "fuzz", AgentImage: "agent:fuzz", Entrypoints: fuzzpod.Entrypoints})
	f.Fuzz(func(t *testing.T, base uint8, spec string) {
		exact, _ := exactStatus(t, in, fuzzpod.Pod(base, spec))
		res, injected := injectChecked(t, in, fuzzpod.Pod(base, spec))
		if injected == nil {
			return // denied
		}
		if _, ok := injected.Annotations[annotations.Status]; ok {
			checkReadBack(t, exact, injected)
		}
		if err := checkValid(injected); err != nil {
			t.Fatalf("admitted an invalid pod (%v) for %q", err, spec)
		}
		again, twice := injectChecked(t, in, injected)
		if twice == nil || len(again.Patch) != 0 {
			t.Fatalf("second injection of %q was not a no-op: %+v", spec, again.Patch)
		}
		ops, _ := json.Marshal(res.Patch)
		if strings.Contains(string(ops), `"name":"`+ATSSecretKeyEnv+`","value"`) {
			t.Fatalf("patch inlines ATS_SECRET_KEY: %s", ops)
		}
		if base&0x80 != 0 {
			checkUserMounts(t, in, base, spec, injected)
		}
	})
}

// checkUserMounts injects the pod of a fuzz input again, with every
// container mounting each volume stagehand injected into it at a path of
// its own, and checks that injecting twice keeps each of those mounts
// exactly once and that the second injection changes nothing.
func checkUserMounts(t *testing.T, in *Injector, base uint8, spec string, injected *corev1.Pod) {
	t.Helper()
	status, _ := ParseStatus(injected.Annotations[annotations.Status])
	status.fillFrom(mustInput(t, injected))
	pod := fuzzpod.Pod(base, spec)
	var want []string
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		for _, v := range status.Volumes {
			m := corev1.VolumeMount{Name: v, MountPath: "/users-own/" + v, ReadOnly: true}
			c.VolumeMounts = append(c.VolumeMounts, m)
			want = append(want, c.Name+":"+m.Name+"@"+m.MountPath)
		}
	}
	_, once := injectChecked(t, in, pod)
	if once == nil {
		return // denied: a stagehand path clashes with the pod's
	}
	if err := checkValid(once); err != nil {
		t.Fatalf("admitted an invalid pod (%v) for %q with the pod's own mounts", err, spec)
	}
	again, twice := injectChecked(t, in, once)
	if twice == nil || len(again.Patch) != 0 {
		t.Fatalf("second injection of %q with the pod's own mounts was not a no-op: %+v", spec, again.Patch)
	}
	count := map[string]int{}
	for _, c := range twice.Spec.Containers {
		for _, m := range c.VolumeMounts {
			count[c.Name+":"+m.Name+"@"+m.MountPath]++
		}
	}
	for _, w := range want {
		if count[w] != 1 {
			t.Fatalf("the pod's own mount %s is there %d times after injecting %q twice", w, count[w], spec)
		}
	}
}

// checkValid applies the API server's uniqueness and reference rules that
// injection could break.
func checkValid(p *corev1.Pod) error {
	volumes := map[string]bool{}
	for _, v := range p.Spec.Volumes {
		if volumes[v.Name] {
			return fmt.Errorf("duplicate volume %q", v.Name)
		}
		volumes[v.Name] = true
	}
	names := map[string]bool{}
	for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		if names[c.Name] {
			return fmt.Errorf("duplicate container %q", c.Name)
		}
		names[c.Name] = true
		paths := map[string]bool{}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				return fmt.Errorf("container %q mounts missing volume %q", c.Name, m.Name)
			}
			if paths[m.MountPath] {
				return fmt.Errorf("container %q mounts %q twice", c.Name, m.MountPath)
			}
			paths[m.MountPath] = true
		}
		env := map[string]bool{}
		for _, e := range c.Env {
			if env[e.Name] {
				return fmt.Errorf("container %q sets %s twice", c.Name, e.Name)
			}
			env[e.Name] = true
		}
	}
	return nil
}
