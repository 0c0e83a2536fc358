package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tokenPod = `apiVersion: v1
kind: Pod
metadata:
  name: worker
  namespace: hive
  annotations:
    stagehand.io/service-account-token: "true"
spec:
  containers:
  - name: task
    image: mr3/hive:4
`

// unknownKeyPod is denied in strict mode only.
var unknownKeyPod = strings.Replace(tokenPod, "annotations:\n", "annotations:\n    stagehand.io/no-such-key: x\n", 1)

func writeManifest(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInject(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"file", []string{"inject", "-f", writeManifest(t, tokenPod)}, ""},
		{"stdin", []string{"inject", "-f", "-"}, tokenPod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr); err != nil {
				t.Fatalf("run(%q) = %v; stderr %q", tt.args, err, stderr.String())
			}
			for _, want := range []string{"name: stagehand-token", "stagehand.io/status", "name: worker"} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}

func TestInjectStrict(t *testing.T) {
	path := writeManifest(t, unknownKeyPod)

	// Lenient: injected, with a warning about the unknown key.
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"inject", "-f", path}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("lenient inject = %v", err)
	}
	if !strings.Contains(stdout.String(), "stagehand-token") || !strings.Contains(stderr.String(), "no-such-key") {
		t.Errorf("lenient inject: stdout %q, stderr %q; want the pod injected and a warning", stdout.String(), stderr.String())
	}

	// Strict: denied, exit 1, nothing on stdout.
	out, errOut, code := runMain(t, nil, "", "inject", "--strict", "-f", path)
	if code != 1 || out != "" || !strings.Contains(errOut, "no-such-key") {
		t.Errorf("strict inject = exit %d, stdout %q, stderr %q; want 1, nothing, the denial", code, out, errOut)
	}
}

// TestInjectProfiles: --profiles selects pods by namespace (the pod's, or
// --namespace for pods that name none) and labels; an invalid profile
// makes the command exit non-zero, naming the profile and every problem.
func TestInjectProfiles(t *testing.T) {
	worker := `apiVersion: v1
kind: Pod
metadata:
  name: mr3worker-94d5-1
  labels: {mr3-pod-role: container-role}
spec:
  containers:
  - {name: mr3-worker, image: mr3/hive:4, command: [run-worker.sh]}
`
	profile := `apiVersion: stagehand.io/v1alpha1
kind: InjectionProfile
metadata: {name: mr3-workers, namespace: hivemr3}
spec:
  selector: {matchLabels: {mr3-pod-role: container-role}}
  annotations: {stagehand.io/service-account-token: "true"}
`
	pods, profiles := writeManifest(t, worker), writeManifest(t, profile)
	out, errOut, code := runMain(t, nil, "", "inject", "-f", pods, "--profiles", profiles, "--namespace", "hivemr3")
	if code != 0 || !strings.Contains(out, "name: stagehand-token") || !strings.Contains(out, `"profile":{"name":"mr3-workers"`) {
		t.Errorf("inject with a selecting profile = exit %d, stdout\n%s\nstderr %q; want the worker injected, its status naming the profile", code, out, errOut)
	}
	out, _, code = runMain(t, nil, "", "inject", "-f", pods, "--profiles", profiles)
	if code != 0 || strings.Contains(out, "stagehand-token") {
		t.Errorf("a pod of another namespace = exit %d, stdout\n%s\nwant it unchanged", code, out)
	}
	bad := writeManifest(t, strings.Replace(profile, `stagehand.io/service-account-token: "true"`, `stagehand.io/service-account-tokn: "true", stagehand.io/token-expiration: "1"`, 1))
	out, errOut, code = runMain(t, nil, "", "inject", "-f", pods, "--profiles", bad)
	if code != 1 || out != "" || !strings.Contains(errOut, "InjectionProfile hivemr3/mr3-workers") ||
		!strings.Contains(errOut, "did you mean stagehand.io/service-account-token?") || !strings.Contains(errOut, "token-expiration") {
		t.Errorf("an invalid profile = exit %d, stdout %q, stderr %q; want 1, nothing, every problem of the named profile", code, out, errOut)
	}
}

// TestInjectAsShipped: without STAGEHAND_ENTRYPOINTS and
// STAGEHAND_AGENT_IMAGE, offline injection uses the entrypoint map and the
// agent image of manifests/base, so that the Spark executor of the examples,
// which has no command, is wrapped with Spark's entrypoint by the agent the
// manifests pin; an entrypoint map given explicitly replaces the shipped one.
func TestInjectAsShipped(t *testing.T) {
	var profiles []string
	for _, name := range []string{"namespace", "spark-executors"} {
		profiles = append(profiles, readFile(t, "../../manifests/examples/profiles/"+name+".yaml"))
	}
	profilesFile := writeManifest(t, strings.Join(profiles, "\n---\n"))
	executor := "../../manifests/examples/spark-executor.yaml"
	out, errOut, code := runMain(t, nil, "", "inject", "-f", executor, "--profiles", profilesFile)
	if code != 0 || !strings.Contains(out, "/opt/entrypoint.sh") || !strings.Contains(out, "image: ghcr.io/stagehand-k8s/agent:v") {
		t.Errorf("the example executor offline = exit %d, stderr %q, stdout\n%s\nwant it wrapped with /opt/entrypoint.sh by the pinned agent", code, errOut, out)
	}
	empty := writeManifest(t, "other/image:*: [/other]\n")
	_, errOut, code = runMain(t, []string{"STAGEHAND_ENTRYPOINTS=" + empty}, "", "inject", "-f", executor, "--profiles", profilesFile)
	if code != 1 || !strings.Contains(errOut, "command") {
		t.Errorf("with an entrypoint map that lacks Spark = exit %d, stderr %q; want the executor denied for its missing command", code, errOut)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
