package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/installation"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// unreachable are the flags of a kubeconfig whose API server is a
// loopback port nothing listens on.
func unreachable(t *testing.T) []string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--kubeconfig", kc, "--server", "https://" + addr, "--insecure-skip-tls-verify"}
}

// TestInjectUnreachable: without a reachable cluster, inject gives what
// the shipped settings give (`webhook inject`), and says so on stderr.
func TestInjectUnreachable(t *testing.T) {
	file := filepath.Join(manifestsDir, "examples", "hiveserver2.yaml")
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), append(unreachable(t), "inject", "-f", file), strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("inject: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "note: no cluster reachable") || !strings.Contains(stderr.String(), "using the settings manifests/ ships") {
		t.Errorf("stderr does not say the settings are the shipped ones:\n%s", stderr.String())
	}
	shipped, err := installation.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	in := offline.Injector{Injector: inject.New(shipped.Injection.InjectOptions()), Namespace: "default"}
	if _, err := in.Inject(bytes.NewReader(data), &want); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != want.String() || !strings.Contains(stdout.String(), "stagehand.io/status") {
		t.Errorf("inject -f %s gave\n%s\nwant\n%s", file, stdout.String(), want.String())
	}
}

// TestInjectDenied: a denied manifest writes nothing to stdout, its
// warnings and every problem to stderr and the error, and fails.
func TestInjectDenied(t *testing.T) {
	manifest := `apiVersion: v1
kind: Pod
metadata:
  name: bad
  annotations: {stagehand.io/token-path: relative, stagehand.io/jars: "https://u:s3cret@h/a.jar", stagehand.io/agent: "true"}
spec: {containers: [{name: c, image: busybox}]}
`
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), append(unreachable(t), "inject", "-f", "-"), strings.NewReader(manifest), &stdout, &stderr)
	if err == nil || stdout.Len() > 0 {
		t.Fatalf("inject of a denied pod: error %v, stdout %q", err, stdout.String())
	}
	for _, want := range []string{"stagehand.io/token-path", "no command"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the denial lacks %q: %v", want, err)
		}
	}
	if !strings.Contains(stderr.String(), "warning: Pod \"bad\": metadata.annotations[stagehand.io/jars]") {
		t.Errorf("stderr lacks the warning:\n%s", stderr.String())
	}
	if strings.Contains(err.Error()+stderr.String(), "s3cret") {
		t.Errorf("a credential is printed:\n%v\n%s", err, stderr.String())
	}
}

// TestInjectLive: inject follows the cluster: the Deployment's agent image,
// the entrypoint map of its ConfigMap, the profiles of the namespace.
func TestInjectLive(t *testing.T) {
	c := fakeCluster(t, func(o client.Object) {
		switch o := o.(type) {
		case *appsv1.Deployment:
			for i, e := range o.Spec.Template.Spec.Containers[0].Env {
				if e.Name == "STAGEHAND_AGENT_IMAGE" {
					o.Spec.Template.Spec.Containers[0].Env[i].Value = "mirror.example.com/stagehand/agent:v9"
				}
			}
		case *corev1.ConfigMap:
			o.Data["entrypoints.yaml"] = "apache/spark:*: [/opt/custom-entrypoint.sh]\n"
		}
	})
	data, err := os.ReadFile(filepath.Join(manifestsDir, "examples", "spark-executor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := injectManifest(t.Context(), liveOf(t, c, "default"), data, "spark-executor.yaml", &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"image: mirror.example.com/stagehand/agent:v9", "/opt/custom-entrypoint.sh", `"name":"spark-executors"`, "spark-hadoop-cloud"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the injected executor lacks %q:\n%s", want, stdout.String())
		}
	}
}
