package inject

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// TestHostileAnnotations: what a pod author could try in order to reach
// beyond their pod, and that it is denied (or, for unknown keys, has no
// effect) with a message naming the key.
func TestHostileAnnotations(t *testing.T) {
	in := New(Options{Version: "test", AgentImage: "registry.example.com/stagehand/agent:trusted", AllowedDependencyHosts: []string{"*.example.com"}})
	command := corev1.Container{Name: "main", Image: "busybox", Command: []string{"true"}}
	denied := map[string]map[string]string{
		"secret of another namespace":    {ATSSecret: "other-namespace/ats"},
		"configmap of another namespace": {ATSConfigMap: "../kube-system/client-am-config"},
		"keytab of another namespace":    {ATSKeytabSecret: "kube-system/keytabs"},
		"auth secret path":               {Jars: "https://a.example.com/a.jar", DependenciesAuthSecret: "ns/token"},
		"jars dir traversal":             {Jars: "https://a.example.com/a.jar", JarsDir: "/opt/../etc"},
		"files dir under proc":           {Files: "https://a.example.com/f", FilesDir: "/proc/self/root"},
		"token path under sys":           {ServiceAccountToken: "true", TokenPath: "/sys/kernel"},
		"keytab path under dev":          {ATSKeytabSecret: "k", ATSKeytabPath: "/dev/shm/k"},
		"keytab over agent bin":          {Agent: "true", ATSKeytabSecret: "k", ATSKeytabPath: agentapi.BinDir},
		"files dir over the token":       {Files: "https://a.example.com/f", ServiceAccountToken: "true", TokenPath: "/data", FilesDir: "/data/files"},
		"metadata service":               {Jars: "http://169.254.169.254/latest/a.jar"},
		"ipv6 link-local":                {Jars: "http://[fe80::1]/a.jar"},
		"ip literal outside allow-list":  {Jars: "http://10.0.0.7/a.jar"},
		"host outside allow-list":        {Jars: "https://evil.example.org/a.jar"},
		"file scheme":                    {Jars: "file:///etc/shadow"},
	}
	for name, anns := range denied {
		t.Run(name, func(t *testing.T) {
			_, err := injectPod(t, in, newPod(anns, command))
			var d *Denied
			if !errors.As(err, &d) {
				t.Fatalf("want a denial, got %v", err)
			}
			for _, e := range d.Errors {
				if !strings.HasPrefix(e.Field, "metadata.annotations[stagehand.io/") {
					t.Errorf("denial does not name the annotation: %v", e)
				}
			}
		})
	}
	t.Run("the agent image cannot be chosen", func(t *testing.T) {
		pod := newPod(map[string]string{Agent: "true", annotations.Prefix + "agent-image": "evil/agent:latest"}, command)
		res, injected := injectChecked(t, in, pod)
		for _, c := range injected.Spec.InitContainers {
			if c.Image != "registry.example.com/stagehand/agent:trusted" {
				t.Errorf("init container %s runs image %q", c.Name, c.Image)
			}
		}
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "unknown stagehand.io/ annotation") {
			t.Errorf("warnings %q, want the unknown key reported", res.Warnings)
		}
		if _, err := injectPod(t, New(Options{Strict: true, AgentImage: "x"}), newPod(map[string]string{annotations.Prefix + "agent-image": "evil"}, command)); err == nil {
			t.Error("strict mode admitted an unknown key")
		}
	})
}
