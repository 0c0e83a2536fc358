package config

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadInvalid(t *testing.T) {
	type want struct {
		env    string
		value  string
		source Source
		kind   error
		valid  string // a substring of SettingError.Valid
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []want
	}{
		{name: "port not a number", env: map[string]string{"STAGEHAND_WEBHOOK_PORT": "https"},
			want: []want{{"STAGEHAND_WEBHOOK_PORT", "https", SourceEnv, ErrSyntax, "1 to 65535"}}},
		{name: "port zero", args: []string{"--webhook-port=0"},
			want: []want{{"STAGEHAND_WEBHOOK_PORT", "0", SourceFlag, ErrRange, "1 to 65535"}}},
		{name: "port too large", env: map[string]string{"STAGEHAND_WEBHOOK_PORT": "65536"},
			want: []want{{"STAGEHAND_WEBHOOK_PORT", "65536", SourceEnv, ErrRange, "1 to 65535"}}},
		{name: "empty cert dir", env: map[string]string{"STAGEHAND_CERT_DIR": ""},
			want: []want{{"STAGEHAND_CERT_DIR", "", SourceEnv, ErrRange, "non-empty"}}},
		{name: "health addr without port", args: []string{"--health-addr=localhost"},
			want: []want{{"STAGEHAND_HEALTH_ADDR", "localhost", SourceFlag, ErrSyntax, "host:port"}}},
		{name: "health addr named port", args: []string{"--health-addr=:http"},
			want: []want{{"STAGEHAND_HEALTH_ADDR", ":http", SourceFlag, ErrSyntax, "host:port"}}},
		{name: "health addr port zero", env: map[string]string{"STAGEHAND_HEALTH_ADDR": ":0"},
			want: []want{{"STAGEHAND_HEALTH_ADDR", ":0", SourceEnv, ErrRange, "host:port"}}},
		{name: "metrics addr empty", env: map[string]string{"STAGEHAND_METRICS_ADDR": ""},
			want: []want{{"STAGEHAND_METRICS_ADDR", "", SourceEnv, ErrSyntax, "0 to disable"}}},
		{name: "metrics addr off", args: []string{"--metrics-addr=off"},
			want: []want{{"STAGEHAND_METRICS_ADDR", "off", SourceFlag, ErrSyntax, "0 to disable"}}},
		{name: "delay without unit", env: map[string]string{"STAGEHAND_SHUTDOWN_DELAY": "5"},
			want: []want{{"STAGEHAND_SHUTDOWN_DELAY", "5", SourceEnv, ErrSyntax, "Go duration"}}},
		{name: "negative delay", args: []string{"--shutdown-delay=-1s"},
			want: []want{{"STAGEHAND_SHUTDOWN_DELAY", "-1s", SourceFlag, ErrRange, "Go duration"}}},
		{name: "delay too long", args: []string{"--shutdown-delay=5000s"},
			want: []want{{"STAGEHAND_SHUTDOWN_DELAY", "5000s", SourceFlag, ErrRange, "10m0s"}}},
		{name: "cache size not a number", env: map[string]string{"STAGEHAND_CACHE_SIZE": "1k"},
			want: []want{{"STAGEHAND_CACHE_SIZE", "1k", SourceEnv, ErrSyntax, "0 to 16384"}}},
		{name: "cache size too large", args: []string{"--cache-size=100000"},
			want: []want{{"STAGEHAND_CACHE_SIZE", "100000", SourceFlag, ErrRange, "0 to 16384"}}},
		{name: "strict not a bool", env: map[string]string{"STAGEHAND_STRICT": "yes"},
			want: []want{{"STAGEHAND_STRICT", "yes", SourceEnv, ErrSyntax, "true or false"}}},
		{name: "strict flag not a bool", args: []string{"--strict=maybe"},
			want: []want{{"STAGEHAND_STRICT", "maybe", SourceFlag, ErrSyntax, "true or false"}}},
		{name: "profiles not a bool", env: map[string]string{"STAGEHAND_PROFILES": "on"},
			want: []want{{"STAGEHAND_PROFILES", "on", SourceEnv, ErrSyntax, "true or false"}}},
		{name: "unknown log level", env: map[string]string{"STAGEHAND_LOG_LEVEL": "warn"},
			want: []want{{"STAGEHAND_LOG_LEVEL", "warn", SourceEnv, ErrRange, "info, debug, trace"}}},
		{name: "unknown log format", args: []string{"--log-format=logfmt"},
			want: []want{{"STAGEHAND_LOG_FORMAT", "logfmt", SourceFlag, ErrRange, "json, text"}}},
		{name: "agent image with a space", env: map[string]string{"STAGEHAND_AGENT_IMAGE": "agent v1"},
			want: []want{{"STAGEHAND_AGENT_IMAGE", "agent v1", SourceEnv, ErrSyntax, "image reference"}}},
		{name: "health on the webhook port", args: []string{"--webhook-port=8081"},
			want: []want{{"STAGEHAND_HEALTH_ADDR", ":8081", SourceDefault, ErrConflict, "no other server"}}},
		{name: "metrics on the health port", args: []string{"--metrics-addr=127.0.0.1:8081"},
			want: []want{{"STAGEHAND_METRICS_ADDR", "127.0.0.1:8081", SourceFlag, ErrConflict, "no other server"}}},
		{name: "conflict spelled with a leading zero", args: []string{"--metrics-addr=:08081"},
			want: []want{{"STAGEHAND_METRICS_ADDR", ":08081", SourceFlag, ErrConflict, "no other server"}}},
		{
			name: "every invalid setting at once, in order",
			env: map[string]string{
				"STAGEHAND_WEBHOOK_PORT":   "x",
				"STAGEHAND_SHUTDOWN_DELAY": "never",
				"STAGEHAND_LOG_FORMAT":     "xml",
			},
			args: []string{"--log-level=loud", "--strict=2", "--metrics-addr=:8081"},
			want: []want{
				{"STAGEHAND_WEBHOOK_PORT", "x", SourceEnv, ErrSyntax, "1 to 65535"},
				{"STAGEHAND_SHUTDOWN_DELAY", "never", SourceEnv, ErrSyntax, "Go duration"},
				{"STAGEHAND_STRICT", "2", SourceFlag, ErrSyntax, "true or false"},
				{"STAGEHAND_LOG_LEVEL", "loud", SourceFlag, ErrRange, "info, debug, trace"},
				{"STAGEHAND_LOG_FORMAT", "xml", SourceEnv, ErrRange, "json, text"},
				{"STAGEHAND_METRICS_ADDR", ":8081", SourceFlag, ErrConflict, "no other server"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			got, err := Load(tt.args)
			if err == nil {
				t.Fatalf("Load(%q) = %+v, want an error", tt.args, got)
			}
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Load(%q) error %v (%T) is not an *InvalidError", tt.args, err, err)
			}
			if len(inv.Settings) != len(tt.want) {
				t.Fatalf("Load(%q) reported %d settings, want %d:\n%v", tt.args, len(inv.Settings), len(tt.want), err)
			}
			for i, w := range tt.want {
				se := inv.Settings[i]
				if se.Env != w.env || se.Value != w.value || se.Source != w.source {
					t.Errorf("setting %d = %s %q from %s, want %s %q from %s", i, se.Env, se.Value, se.Source, w.env, w.value, w.source)
				}
				if !errors.Is(se, w.kind) {
					t.Errorf("setting %d (%s): error %v is not %v", i, se.Env, se.Err, w.kind)
				}
				if !strings.Contains(se.Valid, w.valid) {
					t.Errorf("setting %d (%s): valid %q does not mention %q", i, se.Env, se.Valid, w.valid)
				}
				// The message names the setting, its flag, the value and what is valid.
				msg := err.Error()
				for _, part := range []string{se.Env, "--" + se.Flag, `"` + se.Value + `"`, se.Valid} {
					if !strings.Contains(msg, part) {
						t.Errorf("message lacks %q:\n%s", part, msg)
					}
				}
				if !errors.Is(err, w.kind) {
					t.Errorf("errors.Is(err, %v) = false through InvalidError", w.kind)
				}
			}
		})
	}
}

func TestSettingErrorMessage(t *testing.T) {
	setEnv(t, map[string]string{"STAGEHAND_WEBHOOK_PORT": "99999"})
	_, err := Load(nil)
	want := `1 invalid setting(s):
  STAGEHAND_WEBHOOK_PORT (--webhook-port) = "99999" from environment: value not allowed; want an integer port from 1 to 65535`
	if err == nil || err.Error() != want {
		t.Errorf("Load error =\n%v\nwant\n%s", err, want)
	}
}
