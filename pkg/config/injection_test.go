package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "entrypoints.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInjectionSettings(t *testing.T) {
	good := writeFile(t, "apache/spark:*: [/opt/entrypoint.sh]\nmr3project/hive:4.0.0: [/opt/mr3-run/hive/run-worker.sh, --verbose]\n")
	tests := map[string]struct {
		env       map[string]string
		hosts     []string
		entry     inject.Entrypoints
		wantErr   string
		wantValid string
	}{
		"hosts are lower-cased and trimmed": {
			env:   map[string]string{"STAGEHAND_ALLOWED_DEPENDENCY_HOSTS": " *.Example.com, repo1.maven.org ,"},
			hosts: []string{"*.example.com", "repo1.maven.org"},
		},
		"host with scheme": {
			env: map[string]string{"STAGEHAND_ALLOWED_DEPENDENCY_HOSTS": "https://repo1.maven.org"}, wantErr: "STAGEHAND_ALLOWED_DEPENDENCY_HOSTS", wantValid: validHosts,
		},
		"host with bad glob": {
			env: map[string]string{"STAGEHAND_ALLOWED_DEPENDENCY_HOSTS": "[a-"}, wantErr: "STAGEHAND_ALLOWED_DEPENDENCY_HOSTS", wantValid: validHosts,
		},
		"entrypoints file": {
			env:   map[string]string{"STAGEHAND_ENTRYPOINTS": good},
			entry: inject.Entrypoints{"apache/spark:*": {"/opt/entrypoint.sh"}, "mr3project/hive:4.0.0": {"/opt/mr3-run/hive/run-worker.sh", "--verbose"}},
		},
		"missing entrypoints file": {
			env: map[string]string{"STAGEHAND_ENTRYPOINTS": "/nonexistent/entrypoints.yaml"}, wantErr: "no such file", wantValid: validEntry,
		},
		"malformed entrypoints": {
			env: map[string]string{"STAGEHAND_ENTRYPOINTS": writeFile(t, "apache/spark: /opt/entrypoint.sh\n")}, wantErr: "STAGEHAND_ENTRYPOINTS", wantValid: validEntry,
		},
		"empty entrypoint": {
			env: map[string]string{"STAGEHAND_ENTRYPOINTS": writeFile(t, "apache/spark: []\n")}, wantErr: `image "apache/spark" has an empty entrypoint`, wantValid: validEntry,
		},
		"every bad entry, in order": {
			env:     map[string]string{"STAGEHAND_ENTRYPOINTS": writeFile(t, "z/bad: []\n\"a/[\": [/x]\nok/image: [/run]\n")},
			wantErr: `image "a/[" is not a valid reference or pattern; image "z/bad" has an empty entrypoint`, wantValid: validEntry,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			setEnv(t, tc.env)
			w, err := LoadInjection(nil, nil)
			if tc.wantErr != "" {
				var inv *InvalidError
				if !errors.As(err, &inv) || !strings.Contains(err.Error(), tc.wantErr) || inv.Settings[0].Valid != tc.wantValid {
					t.Fatalf("err = %v, want an invalid setting mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(w.AllowedDependencyHosts, tc.hosts) || !reflect.DeepEqual(w.Entrypoints, tc.entry) {
				t.Errorf("hosts %q entrypoints %v, want %q %v", w.AllowedDependencyHosts, w.Entrypoints, tc.hosts, tc.entry)
			}
			opts := w.InjectOptions()
			if opts.AgentImage != DefaultAgentImage() || !reflect.DeepEqual(opts.Entrypoints, tc.entry) {
				t.Errorf("inject options %+v do not carry the settings", opts)
			}
		})
	}
}

// TestLoadInjectionIgnoresServerSettings: offline injection must not fail
// on a server setting it does not use, and takes its own flags.
func TestLoadInjectionIgnoresServerSettings(t *testing.T) {
	setEnv(t, map[string]string{"STAGEHAND_WEBHOOK_PORT": "not-a-port", "STAGEHAND_AGENT_IMAGE": "agent:env"})
	var file string
	w, err := LoadInjection([]string{"-f", "pods.yaml", "--strict", "--agent-image", "agent:flag"}, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "f", "", "")
	})
	if err != nil {
		t.Fatal(err)
	}
	if file != "pods.yaml" || !w.Strict || w.AgentImage != "agent:flag" {
		t.Errorf("file %q strict %v image %q", file, w.Strict, w.AgentImage)
	}
	if _, err := LoadInjection([]string{"--webhook-port", "1"}, nil); err == nil {
		t.Error("a server flag was accepted by inject")
	}
}
