package timeline_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

func TestRedactArgs(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"/opt/run.sh", "--ContainerWorker", "e2e-1"}, []string{"/opt/run.sh", "--ContainerWorker", "e2e-1"}},
		{[]string{"--password=hunter2", "-Dfs.s3a.secret.key=AKIA", "api_key=x", "TOKEN=y", "mode=fast"},
			[]string{"--password=[redacted]", "-Dfs.s3a.secret.key=[redacted]", "api_key=[redacted]", "TOKEN=[redacted]", "mode=fast"}},
		{[]string{"--password", "hunter2", "--keytab", "/etc/hive.keytab"}, []string{"--password", "[redacted]", "--keytab", "/etc/hive.keytab"}},
		{[]string{"--uri=https://bob:pw@repo.example.com/a.jar?sig=abc&x=1"},
			[]string{"--uri=https://redacted@repo.example.com/a.jar?redacted"}},
		{[]string{"--ats", "http://u:pw@ats:8188,https://tok@h/x?t=1#f"}, []string{"--ats", "http://redacted@ats:8188,https://redacted@h/x?redacted"}},
		{[]string{"jdbc:hive2://h:10000/db", "s3a://bucket/key"}, []string{"jdbc:hive2://h:10000/db", "s3a://bucket/key"}},
		{[]string{"--opts", "-Dats=the-secret-value"}, []string{"--opts", "-Dats=[redacted]"}},
	} {
		if got := timeline.RedactArgs(tc.in, "the-secret-value"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("RedactArgs(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, ok, _ := timeline.ConfigFromEnv(getenv, "c"); ok {
		t.Error("configured without STAGEHAND_TIMELINE_URL")
	}
	env = map[string]string{"STAGEHAND_TIMELINE_URL": "http://ats:8188", "ATS_SECRET_KEY": "k",
		"STAGEHAND_POD_NAMESPACE": "ns", "STAGEHAND_POD_NAME": "p", "USER": "alice",
		"STAGEHAND_TIMELINE_FLUSH_TIMEOUT": "2s"}
	cfg, ok, err := timeline.ConfigFromEnv(getenv, "fallback")
	if !ok || err != nil || cfg.Auth.Mode != timeline.AuthDelegation || cfg.Auth.Secret != "k" ||
		cfg.Identity.Container != "fallback" || cfg.Identity.User != "alice" || cfg.FlushTimeout.Seconds() != 2 {
		t.Errorf("ConfigFromEnv = %+v, %v, %v", cfg, ok, err)
	}
	env["STAGEHAND_TIMELINE_AUTH"], env["HADOOP_USER_NAME"] = "simple", "hive"
	if cfg, _, err := timeline.ConfigFromEnv(getenv, "c"); err != nil || cfg.Auth.User != "hive" || cfg.Auth.Secret != "" {
		t.Errorf("simple auth: %+v, %v; want user hive from HADOOP_USER_NAME and no secret", cfg.Auth, err)
	}
	delete(env, "HADOOP_USER_NAME")
	delete(env, "USER")
	if cfg, _, _ := timeline.ConfigFromEnv(getenv, "c"); cfg.Auth.User != "stagehand" {
		t.Errorf("simple auth user %q, want the default stagehand", cfg.Auth.User)
	}
	env["STAGEHAND_TIMELINE_AUTH"] = "kerberos"
	if _, _, err := timeline.ConfigFromEnv(getenv, "c"); err == nil {
		t.Error("accepted an unknown auth mode")
	}
}

// TestClientURLNotEchoed: a Timeline Server URL with credentials, written
// with or without a scheme, is never quoted as written in an error or in
// the endpoint the agent logs.
func TestClientURLNotEchoed(t *testing.T) {
	for _, raw := range []string{"u:SEKRIT@ats:8188", "http://u:SEKRIT@ats:8188/x?token=SEKRIT", "http://u:SEKRIT@[::1", "ftp://u:SEKRIT@ats"} {
		c, err := timeline.NewClient(raw, timeline.Auth{}, nil)
		switch {
		case err != nil && strings.Contains(err.Error(), "SEKRIT"):
			t.Errorf("NewClient(%q) = %v: the error echoes the credential", raw, err)
		case err == nil && strings.Contains(c.Endpoint(), "SEKRIT"):
			t.Errorf("NewClient(%q).Endpoint() = %q: it echoes the credential", raw, c.Endpoint())
		}
	}
}
