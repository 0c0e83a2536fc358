package config

import (
	"errors"
	"io/fs"
	"reflect"
	"slices"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestLoadInjectionFrom: the injection settings of another container are
// read from its environment, flags and files, with the defaults and
// parsers of LoadInjection, and nothing of this process's environment.
func TestLoadInjectionFrom(t *testing.T) {
	setEnv(t, map[string]string{"STAGEHAND_STRICT": "true", "STAGEHAND_AGENT_IMAGE": "process/agent:1"})
	files := map[string]string{"/etc/ep/entrypoints.yaml": "apache/spark:*: [/opt/entrypoint.sh]\n"}
	readFile := func(name string) ([]byte, error) {
		if v, ok := files[name]; ok {
			return []byte(v), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    Webhook
		invalid []string // the variables reported invalid
	}{
		{name: "defaults, not the process's environment", want: Webhook{AgentImage: DefaultAgentImage()}},
		{
			name: "environment and files",
			env: map[string]string{"STAGEHAND_STRICT": "true", "STAGEHAND_AGENT_IMAGE": "reg/agent:2",
				"STAGEHAND_ALLOWED_DEPENDENCY_HOSTS": "repo1.maven.org", "STAGEHAND_ENTRYPOINTS": "/etc/ep/entrypoints.yaml",
				"STAGEHAND_LOG_LEVEL": "not a level: not read"},
			want: Webhook{Strict: true, AgentImage: "reg/agent:2", AllowedDependencyHosts: []string{"repo1.maven.org"},
				EntrypointsFile: "/etc/ep/entrypoints.yaml", Entrypoints: inject.Entrypoints{"apache/spark:*": {"/opt/entrypoint.sh"}},
				Given: []string{"STAGEHAND_STRICT", "STAGEHAND_AGENT_IMAGE", "STAGEHAND_ALLOWED_DEPENDENCY_HOSTS", "STAGEHAND_ENTRYPOINTS"}},
		},
		{
			name: "serve's flags override, its other flags are accepted",
			env:  map[string]string{"STAGEHAND_AGENT_IMAGE": "reg/agent:2"},
			args: []string{"--log-level=debug", "--agent-image=reg/agent:3", "--strict"},
			want: Webhook{Strict: true, AgentImage: "reg/agent:3", Given: []string{"STAGEHAND_STRICT", "STAGEHAND_AGENT_IMAGE"}},
		},
		{
			name:    "every invalid setting",
			env:     map[string]string{"STAGEHAND_STRICT": "yes", "STAGEHAND_ENTRYPOINTS": "/etc/ep/missing.yaml"},
			invalid: []string{"STAGEHAND_STRICT", "STAGEHAND_ENTRYPOINTS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(name string) (string, bool) { v, ok := tt.env[name]; return v, ok }
			got, err := LoadInjectionFrom(tt.args, lookup, readFile)
			if tt.invalid != nil {
				var inv *InvalidError
				if !errors.As(err, &inv) {
					t.Fatalf("err = %v, want an *InvalidError", err)
				}
				var names []string
				for _, s := range inv.Settings {
					names = append(names, s.Env)
					if s.Source != SourceEnv {
						t.Errorf("%s: source %s, want %s", s.Env, s.Source, SourceEnv)
					}
				}
				if !slices.Equal(names, tt.invalid) {
					t.Errorf("invalid %v, want %v", names, tt.invalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
