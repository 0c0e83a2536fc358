package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// checkMainEnv makes TestCheckExitCode's child run main with the
// arguments after "--".
const checkMainEnv = "STAGEHAND_TEST_CHECK_MAIN"

// TestCheckExitCode runs the plugin's main, in a child process, against an
// API server that is not there: check prints the failed item with its
// hint and exits 1, printing no error of its own on top.
func TestCheckExitCode(t *testing.T) {
	if os.Getenv(checkMainEnv) == "1" {
		os.Args = append([]string{"kubectl-stagehand"}, os.Args[slicesIndex(os.Args, "--")+1:]...)
		main()
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckExitCode$", "--", "check", "--kubeconfig", checkKubeconfig(t, closedPort(t)))
	cmd.Env = append(os.Environ(), checkMainEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("check against a closed port: %v, want exit code 1\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("check printed on stderr %q: the report says it all", stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"FAIL API server: not reachable: ", "connection refused", "\n     hint: check which cluster the kubeconfig points at",
		"SKIP other items: not checked: the API server is not reachable", "2 items: 0 PASS, 1 FAIL, 0 WARN, 1 SKIP"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report does not say %q:\n%s", want, out)
		}
	}
}

// TestCheckBeforeInstall runs check against an API server without
// stagehand: every item of the installation fails with the install
// commands as its hint, and check returns the error main exits 1 on
// without printing it.
func TestCheckBeforeInstall(t *testing.T) {
	if why := testenv.SkipReason(); why != "" {
		t.Skip(why)
	}
	ctrllog.SetLogger(logr.Discard())
	e, stop, err := testenv.Start(testenv.Options{})
	t.Cleanup(stop)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, e.Env.KubeConfig, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err = run(t.Context(), []string{"check", "--kubeconfig", kubeconfig}, strings.NewReader(""), &stdout, &stderr)
	if !errors.Is(err, errReported) {
		t.Fatalf("check before install returned %v, want errReported\n%s", err, stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	fails := 0
	for i, line := range lines {
		if !strings.HasPrefix(line, "FAIL ") {
			continue
		}
		fails++
		if i+1 == len(lines) || !strings.Contains(lines[i+1], "hint: install stagehand from its repository: kubectl apply -k manifests/cert-manager") {
			t.Errorf("%q is not followed by the install commands", line)
		}
	}
	if fails != 7 || !strings.HasPrefix(lines[0], "PASS API server: Kubernetes v1.") {
		t.Errorf("want the API server to pass and 7 items to fail:\n%s", stdout.String())
	}
	if strings.ContainsAny(stdout.String(), "{}") || strings.Contains(stdout.String(), "0x") {
		t.Errorf("the report holds a Go value:\n%s", stdout.String())
	}
}

// TestCheckFlags: an unknown --certificates is a usage error, not a
// report.
func TestCheckFlags(t *testing.T) {
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"check", "--certificates", "vault"}, strings.NewReader(""), &stdout, &stdout)
	if err == nil || errors.Is(err, errReported) || !strings.Contains(err.Error(), `--certificates "vault": want cert-manager or self-signed`) {
		t.Errorf("--certificates vault: %v", err)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// checkKubeconfig is a kubeconfig file for the API server at addr.
func checkKubeconfig(t *testing.T, addr string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "kubeconfig")
	kc := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://` + addr + `", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`
	if err := os.WriteFile(f, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return len(s) - 1
}
