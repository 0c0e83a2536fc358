package inject

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/internal/fuzzpod"
)

// FuzzInject checks, for arbitrary annotations, that an admitted pod is
// internally valid, that the patch turns the original into exactly the
// injected pod, that a second injection changes nothing, and that the ATS
// key is never a literal value.
func FuzzInject(f *testing.F) {
	f.Add(uint8(0), "service-account-token=true\nats-secret=s")
	f.Add(uint8(1), "agent=true\njars=https://a.example.com/x.jar,local:///opt/y.jar\ncontainers=worker")
	f.Add(uint8(1), "ats-configmap=client-am-config\nats-keytab-secret=k\ntimeline-url=http://ats:8188\ntoken-path=/opt/conf")
	f.Add(uint8(0), "archives=https://a.example.com/v.tgz\nfiles=https://a.example.com/f\ndependencies-auth-secret=t\ntask-timeout=1m")
	f.Add(uint8(1), "inject=false\nagent=true")
	in := New(Options{Version: "fuzz", AgentImage: "agent:fuzz", Entrypoints: fuzzpod.Entrypoints})
	f.Fuzz(func(t *testing.T, base uint8, spec string) {
		res, injected := injectChecked(t, in, fuzzpod.Pod(base, spec))
		if injected == nil {
			return // denied
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
	})
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
