package main

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// agentOnly are the agent's own packages: the downloader, the Timeline
// Server client, the supervisor and the installer.
var agentOnly = []string{"pkg/fetch", "pkg/timeline", "pkg/supervise", "pkg/install", "pkg/initcontainer", "pkg/termination"}

// shared are the only packages of this module both binaries may link:
// the webhook-to-agent contract and three leaves that import only the
// standard library: the URL redaction, the egress policy both admission
// and the fetcher's dialer apply, and the version.
var shared = []string{"pkg/agentapi", "pkg/egress", "pkg/redaction", "pkg/version"}

// TestWebhookLinksNoAgent: the webhook binary links none of the agent's
// packages, and what it shares with the agent is the contract (package
// agentapi) and a few leaves, nothing else.
func TestWebhookLinksNoAgent(t *testing.T) {
	webhook, _ := moduleDeps(t, ".")
	for _, pkg := range agentOnly {
		if slices.Contains(webhook, pkg) {
			t.Errorf("the webhook links %s, which only the agent needs; what both sides share belongs in pkg/agentapi (go list -deps ./cmd/webhook: %s)",
				pkg, strings.Join(webhook, " "))
		}
	}
	if !slices.Contains(webhook, "pkg/agentapi") {
		t.Errorf("the webhook does not link pkg/agentapi: %s", strings.Join(webhook, " "))
	}
	agent, _ := moduleDeps(t, "../agent")
	for _, pkg := range webhook {
		if slices.Contains(agent, pkg) && !slices.Contains(shared, pkg) {
			t.Errorf("both the webhook and the agent link %s; they share only %s", pkg, strings.Join(shared, ", "))
		}
	}
}

// TestContractHasNoDependencies: package agentapi, which both binaries
// link, builds on the standard library and package redaction only.
func TestContractHasNoDependencies(t *testing.T) {
	own, external := moduleDeps(t, "../../pkg/agentapi")
	if want := []string{"pkg/redaction", "pkg/agentapi"}; !slices.Equal(own, want) || len(external) > 0 {
		t.Errorf("pkg/agentapi links %s; want only the standard library and %s", strings.Join(append(own, external...), " "), strings.Join(want, " "))
	}
}

// moduleDeps lists the packages outside the standard library the package
// in dir links (dir included), from `go list -deps` run with the go command
// of this test's toolchain: those of this module (own) as paths relative
// to it, the others (external) by import path.
func moduleDeps(t *testing.T, dir string) (own, external []string) {
	t.Helper()
	cmd := exec.Command(goCommand(t), "list", "-deps",
		"-f", "{{if not .Standard}}{{.Module.Main}} {{.Module.Path}} {{.ImportPath}}{{end}}", ".")
	cmd.Dir = dir
	cmd.Stderr = new(strings.Builder)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps in %s: %v\n%s", dir, err, cmd.Stderr)
	}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) != 3 {
			continue
		}
		if main, module, pkg := fields[0], fields[1], fields[2]; main == "true" {
			own = append(own, path.Clean(strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")))
		} else {
			external = append(external, pkg)
		}
	}
	if len(own) == 0 {
		t.Fatalf("go list -deps in %s listed no package of this module", dir)
	}
	return own, external
}

// goCommand is the go command of the toolchain running the test.
func goCommand(t *testing.T) string {
	t.Helper()
	name := "go"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	goroot := os.Getenv("GOROOT")
	if goroot == "" {
		goroot = runtime.GOROOT() // deprecated for binaries that move; a test binary does not
	}
	if goroot != "" {
		if p := filepath.Join(goroot, "bin", name); fileExists(p) {
			return p
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("no go command: GOROOT %q, PATH: %v", goroot, err)
	}
	return p
}

func fileExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir()
}
