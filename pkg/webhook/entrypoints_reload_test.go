package webhook

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/config"
)

// TestEntrypointsReload: the entrypoint map is reloaded when its file
// changes, without a restart and without a cached answer of the old map;
// an invalid edit keeps the map in force.
func TestEntrypointsReload(t *testing.T) {
	defer func(d time.Duration) { entrypointsPoll = d }(entrypointsPoll)
	entrypointsPoll = 20 * time.Millisecond
	cfg, cert := testConfig(t)
	cfg.AgentImage = "registry.example.com/stagehand/agent:test"
	cfg.EntrypointsFile = filepath.Join(t.TempDir(), "entrypoints.yaml")
	write := func(content string) {
		t.Helper()
		// As the kubelet updates a ConfigMap volume: a new file put in place.
		tmp := cfg.EntrypointsFile + ".new"
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfg.EntrypointsFile); err != nil {
			t.Fatal(err)
		}
	}
	write("other/image:*: [/other]\n")
	var err error
	if cfg.Entrypoints, err = config.ReadEntrypoints(cfg.EntrypointsFile); err != nil {
		t.Fatal(err)
	}
	startServe(t, cfg)
	client := httpsClient(cert)
	pod := annotatedPod()
	pod.Annotations["stagehand.io/agent"] = "true" // mr3/hive:4 has no command
	if resp := admit(t, client, cfg.Port, pod); resp.Allowed {
		t.Fatal("a container without command and outside the map was admitted")
	}
	write("mr3/hive:*: [/opt/mr3-run/entrypoint.sh]\n")
	deadline := time.Now().Add(startTimeout)
	for !admit(t, client, cfg.Port, pod).Allowed {
		if time.Now().After(deadline) {
			t.Fatalf("the changed map was not in force within %v", startTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	write("mr3/hive:*: []\n") // invalid: an empty entrypoint
	time.Sleep(10 * entrypointsPoll)
	if !admit(t, client, cfg.Port, pod).Allowed {
		t.Error("an invalid edit of the map took the valid one out of force")
	}
}
