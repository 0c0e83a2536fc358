package config

import (
	"errors"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// defaults is the configuration with nothing set.
var defaults = Webhook{
	Port:          9443,
	CertDir:       "/etc/stagehand/certs",
	HealthAddr:    ":8081",
	MetricsAddr:   ":8080",
	ShutdownDelay: 5 * time.Second,
	Strict:        false,
	CacheSize:     1024,
	LogLevel:      LogInfo,
	LogFormat:     LogJSON,
	AgentImage:    DefaultAgentImage(),
	Profiles:      true,
}

// setEnv clears every STAGEHAND_ variable, then sets env; t.Setenv restores
// the environment after the test.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, Prefix+"_") {
			t.Setenv(name, "")
			if err := os.Unsetenv(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func with(f func(*Webhook)) Webhook {
	w := defaults
	f(&w)
	return w
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Webhook
	}{
		{name: "defaults", want: defaults},
		{
			name: "every setting from the environment",
			env: map[string]string{
				"STAGEHAND_WEBHOOK_PORT":   "10443",
				"STAGEHAND_CERT_DIR":       "/certs",
				"STAGEHAND_HEALTH_ADDR":    "127.0.0.1:9081",
				"STAGEHAND_METRICS_ADDR":   "[::1]:9080",
				"STAGEHAND_SHUTDOWN_DELAY": "1m30s",
				"STAGEHAND_STRICT":         "true",
				"STAGEHAND_CACHE_SIZE":     "64",
				"STAGEHAND_LOG_LEVEL":      "debug",
				"STAGEHAND_LOG_FORMAT":     "text",
				"STAGEHAND_AGENT_IMAGE":    "ghcr.io/stagehand-k8s/agent:v1",
				"STAGEHAND_PROFILES":       "false",
				"STAGEHAND_KUBECONFIG":     "/etc/kubeconfig",
			},
			want: Webhook{Port: 10443, CertDir: "/certs", HealthAddr: "127.0.0.1:9081", MetricsAddr: "[::1]:9080",
				ShutdownDelay: 90 * time.Second, Strict: true, CacheSize: 64, LogLevel: LogDebug, LogFormat: LogText,
				AgentImage: "ghcr.io/stagehand-k8s/agent:v1", Kubeconfig: "/etc/kubeconfig"},
		},
		{
			name: "every setting from flags",
			args: []string{"--webhook-port=10443", "--cert-dir", "/certs", "--health-addr=127.0.0.1:9081",
				"--metrics-addr=0", "--shutdown-delay=0s", "--strict", "--cache-size=0", "--log-level=trace", "-log-format=text",
				"--agent-image=agent@sha256:0123", "--profiles=false", "--kubeconfig", "/kc"},
			want: Webhook{Port: 10443, CertDir: "/certs", HealthAddr: "127.0.0.1:9081", MetricsAddr: "0",
				ShutdownDelay: 0, Strict: true, CacheSize: 0, LogLevel: LogTrace, LogFormat: LogText, AgentImage: "agent@sha256:0123",
				Kubeconfig: "/kc"},
		},
		{
			name: "flags override the environment",
			env: map[string]string{
				"STAGEHAND_WEBHOOK_PORT": "10443",
				"STAGEHAND_STRICT":       "true",
				"STAGEHAND_LOG_LEVEL":    "trace",
			},
			args: []string{"--webhook-port=11443", "--strict=false"},
			want: with(func(w *Webhook) { w.Port = 11443; w.LogLevel = LogTrace }),
		},
		{
			name: "a valid flag hides an invalid environment value",
			env:  map[string]string{"STAGEHAND_SHUTDOWN_DELAY": "soon"},
			args: []string{"--shutdown-delay=2s"},
			want: with(func(w *Webhook) { w.ShutdownDelay = 2 * time.Second }),
		},
		{
			name: "unprefixed variables are ignored",
			env:  map[string]string{"LOG_LEVEL": "trace", "STRICT": "true", "WEBHOOK_PORT": "1"},
			want: defaults,
		},
		{
			name: "levels and formats are case-insensitive",
			env:  map[string]string{"STAGEHAND_LOG_LEVEL": "DEBUG", "STAGEHAND_LOG_FORMAT": "Text"},
			want: with(func(w *Webhook) { w.LogLevel = LogDebug; w.LogFormat = LogText }),
		},
		{
			name: "metrics disabled frees its port",
			args: []string{"--metrics-addr=0", "--health-addr=:8080"},
			want: with(func(w *Webhook) { w.MetricsAddr = MetricsDisabled; w.HealthAddr = ":8080" }),
		},
		{
			name: "same port on distinct hosts",
			args: []string{"--health-addr=127.0.0.1:8081", "--metrics-addr=127.0.0.2:8081"},
			want: with(func(w *Webhook) { w.HealthAddr = "127.0.0.1:8081"; w.MetricsAddr = "127.0.0.2:8081" }),
		},
		{
			name: "port bounds",
			args: []string{"--webhook-port=1", "--health-addr=:65535"},
			want: with(func(w *Webhook) { w.Port = 1; w.HealthAddr = ":65535" }),
		},
		{
			name: "longest shutdown delay",
			args: []string{"--shutdown-delay=10m"},
			want: with(func(w *Webhook) { w.ShutdownDelay = MaxShutdownDelay }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			got, err := Load(tt.args)
			if err != nil {
				t.Fatalf("Load(%q) error: %v", tt.args, err)
			}
			got.Given = nil // TestGiven
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load(%q) =\n%+v\nwant\n%+v", tt.args, got, tt.want)
			}
		})
	}
}

// TestGiven: the settings given by the environment or a flag, not by
// default, and only those, are listed.
func TestGiven(t *testing.T) {
	setEnv(t, map[string]string{"STAGEHAND_STRICT": "false", "STAGEHAND_LOG_LEVEL": "info"})
	got, err := Load([]string{"--agent-image=a:1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"STAGEHAND_STRICT", "STAGEHAND_LOG_LEVEL", "STAGEHAND_AGENT_IMAGE"}
	if !slices.Equal(got.Given, want) {
		t.Errorf("Given %v, want %v (in the order of the settings)", got.Given, want)
	}
	if !got.IsGiven("STAGEHAND_AGENT_IMAGE") || got.IsGiven("STAGEHAND_ENTRYPOINTS") {
		t.Errorf("IsGiven: agent image %v, entrypoints %v", got.IsGiven("STAGEHAND_AGENT_IMAGE"), got.IsGiven("STAGEHAND_ENTRYPOINTS"))
	}
}

func TestMetricsEnabled(t *testing.T) {
	if !defaults.MetricsEnabled() {
		t.Error("default metrics address is disabled")
	}
	if (Webhook{MetricsAddr: MetricsDisabled}).MetricsEnabled() {
		t.Error(`metrics address "0" is enabled`)
	}
}

func TestLoadFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		help bool
	}{
		{name: "unknown flag", args: []string{"--port=1"}},
		{name: "missing value", args: []string{"--cert-dir"}},
		{name: "positional argument", args: []string{"--strict", "extra"}},
		{name: "help", args: []string{"-h"}, help: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, nil)
			_, err := Load(tt.args)
			if err == nil {
				t.Fatalf("Load(%q) succeeded", tt.args)
			}
			if got := errors.Is(err, flag.ErrHelp); got != tt.help {
				t.Errorf("Load(%q) error %v: errors.Is(err, flag.ErrHelp) = %v, want %v", tt.args, err, got, tt.help)
			}
			var inv *InvalidError
			if errors.As(err, &inv) {
				t.Errorf("Load(%q) error %v is an *InvalidError", tt.args, err)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	setEnv(t, map[string]string{"STAGEHAND_WEBHOOK_PORT": "10443"})
	var b strings.Builder
	Usage(&b)
	for _, s := range settings(&env{}, nil) {
		if !strings.Contains(b.String(), "-"+s.flag) || !strings.Contains(b.String(), s.env) {
			t.Errorf("usage lacks --%s or %s:\n%s", s.flag, s.env, b.String())
		}
	}
	if !strings.Contains(b.String(), "(default 10443)") {
		t.Errorf("usage does not show the environment's value as default:\n%s", b.String())
	}
}
