package plugin

import (
	"os"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// TestInjectFollowsLive: inject -f injects with the Deployment's agent
// image, the entrypoint map of its ConfigMap and the namespace's profiles,
// and follows each when it changes.
func TestInjectFollowsLive(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	example, err := os.ReadFile(manifestsDir + "/examples/spark-executor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	manifest := strings.Replace(string(example), "namespace: hivemr3-demo", "namespace: "+ns, 1)
	inject := func() string {
		t.Helper()
		stdout, stderr, code := s.kubectl(t, manifest, "inject", "-f", "-")
		if code != 0 || strings.Contains(stderr, "note:") {
			t.Fatalf("inject exited %d:\n%s", code, stderr)
		}
		return stdout
	}
	out := inject()
	contains(t, "inject without a profile", out, "kind: Pod")
	if strings.Contains(out, annotations.Status) {
		t.Errorf("the executor was injected without a profile:\n%s", out)
	}

	s.withProfile(t, sparkProfile(ns))
	contains(t, "inject with the profile", inject(), `"name":"spark-executors"`, "image: "+s.served.AgentImage, "- /opt/entrypoint.sh", "lib-1.0.jar")

	s.changeInstallation(t, "STAGEHAND_AGENT_IMAGE", "mirror.example.com/stagehand/agent:v9.9.9")
	contains(t, "inject after the agent image changed", inject(), "image: mirror.example.com/stagehand/agent:v9.9.9")

	s.changeInstallation(t, "", "apache/spark:*: [/opt/custom-entrypoint.sh]\n")
	out = inject()
	contains(t, "inject after the entrypoint map changed", out, "- /opt/custom-entrypoint.sh")
	if strings.Contains(out, "- /opt/entrypoint.sh") {
		t.Errorf("inject still uses the old entrypoint:\n%s", out)
	}
}

// TestInjectInvalidSettings: settings the webhook could not start with are
// an error naming them, exit 1, nothing on stdout.
func TestInjectInvalidSettings(t *testing.T) {
	s := env(t)
	s.changeInstallation(t, "STAGEHAND_STRICT", "yes")
	stdout, stderr, code := s.kubectl(t, "", "inject", "-f", manifestsDir+"/examples/hiveserver2.yaml")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "STAGEHAND_STRICT") || !strings.Contains(stderr, "the webhook cannot start with these settings") {
		t.Errorf("inject with STAGEHAND_STRICT=yes: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
