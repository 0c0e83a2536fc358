package manifests

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/config"
)

// Values the manifests set on purpose instead of the built-in default.
var overridden = map[string]string{
	"STAGEHAND_SHUTDOWN_DELAY": "10s",
	"STAGEHAND_AGENT_IMAGE":    "ghcr.io/stagehand-k8s/agent:v0.1.0",
	"STAGEHAND_ENTRYPOINTS":    "/etc/stagehand/entrypoints/entrypoints.yaml",
}

// usageSetting matches one setting in config.Usage's output: its variable
// and, when it has one, its built-in default.
var usageSetting = regexp.MustCompile(`\(env (STAGEHAND_[A-Z_]+)\)(?: \(default ([^)]*)\))?`)

// settingDefaults lists every setting of pkg/config with its built-in
// default, from config.Usage, with no STAGEHAND_* variable set.
func settingDefaults(t *testing.T) map[string]string {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, config.Prefix+"_") {
			t.Setenv(name, "") // restored after the test
			os.Unsetenv(name)
		}
	}
	var b bytes.Buffer
	config.Usage(&b)
	out := map[string]string{}
	for _, m := range usageSetting.FindAllStringSubmatch(b.String(), -1) {
		out[m[1]] = m[2]
	}
	if len(out) < 10 {
		t.Fatalf("found only %d settings in config.Usage:\n%s", len(out), b.String())
	}
	return out
}

// TestEverySetting: the Deployment spells out every setting of pkg/config,
// with its default unless the manifests override it on purpose, and
// config.Load accepts them all.
func TestEverySetting(t *testing.T) {
	defaults := settingDefaults(t)
	_, c := webhookDeployment(t, buildOverlay(t, "base"))
	env := envOf(c)
	for name, def := range defaults {
		got, ok := env[name]
		want := def
		if o, ok := overridden[name]; ok {
			want = o
		}
		switch {
		case !ok:
			t.Errorf("the Deployment does not set %s (default %q)", name, def)
		case got != want:
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for name := range env {
		if _, ok := defaults[name]; !ok && strings.HasPrefix(name, config.Prefix+"_") {
			t.Errorf("the Deployment sets %s, which pkg/config does not know", name)
		}
	}
	// The settings are valid: load them as `webhook serve` would, with the
	// entrypoint map at a local path.
	data, err := configMapData(buildOverlay(t, "base"), "stagehand-entrypoints", "entrypoints.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "entrypoints.yaml")
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, v := range env {
		t.Setenv(name, v)
	}
	t.Setenv("STAGEHAND_ENTRYPOINTS", file)
	w, err := config.Load(nil)
	if err != nil {
		t.Fatalf("config.Load with the Deployment's env: %v", err)
	}
	if ep, ok := w.Entrypoints.Lookup("apache/spark:3.5.3"); !ok || !slices.Equal(ep, []string{"/opt/entrypoint.sh"}) {
		t.Errorf("entrypoint of apache/spark:3.5.3 = %v, %v", ep, ok)
	}
}
