package termination

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathFromArgs(t *testing.T) {
	t.Setenv(EnvPath, "")
	cases := []struct {
		args   []string
		path   string
		create bool
	}{
		{nil, DefaultPath, false},
		{[]string{"--bogus", "--termination-log", "/a"}, "/a", true},
		{[]string{"-termination-log=/b", "--bogus"}, "/b", true},
		{[]string{"--", "--termination-log", "/c"}, DefaultPath, false},
		{[]string{"--termination-log"}, DefaultPath, false},
	}
	for _, tc := range cases {
		path, create := PathFromArgs(tc.args)
		if path != tc.path || create != tc.create {
			t.Errorf("PathFromArgs(%q) = %q, %v; want %q, %v", tc.args, path, create, tc.path, tc.create)
		}
	}
	t.Setenv(EnvPath, "/env")
	if path, create := PathFromArgs([]string{"--bogus"}); path != "/env" || !create {
		t.Errorf("with %s set: %q, %v; want /env, true", EnvPath, path, create)
	}
	if path, create := Path("/flag"); path != "/flag" || !create {
		t.Errorf("the flag over %s: %q, %v; want /flag, true", EnvPath, path, create)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	data := []byte(`{"exitCode":3}`)
	missing := filepath.Join(dir, "missing")
	if err := Write(missing, false, data); err != nil {
		t.Errorf("missing default path: %v, want silently skipped", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("%s created although create is false", missing)
	}
	existing := filepath.Join(dir, "existing")
	if err := os.WriteFile(existing, []byte(strings.Repeat("old", 2000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(existing, false, data); err != nil {
		t.Fatal(err)
	}
	created := filepath.Join(dir, "created")
	if err := Write(created, true, data); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{existing, created} {
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(got) || string(got) != string(data) {
			t.Errorf("%s = %q, want %q: the old content replaced", p, got, data)
		}
	}
	if err := Write(filepath.Join(dir, "no", "dir"), true, data); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	if err := Write("", true, data); err != nil {
		t.Errorf("an empty path: %v, want nothing written", err)
	}
}
