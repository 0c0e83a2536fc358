package demo

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/podrunner"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// workerPod is the example the demo runs.
var workerPod = client.ObjectKey{Namespace: "hivemr3-demo", Name: "mr3worker-8a3f-1"}

// runWorker runs the injected MR3 worker, as stored by the API server, with
// the pod runner. Its dependencies come from a local artifact server that
// stands in for the cluster's, through HTTP_PROXY.
func runWorker(ctx context.Context, c *cluster, ex *examples, opts Options, work string, n *narrator) error {
	if err := podrunner.CheckSupport(); err != nil {
		n.line("skipped: this machine cannot run pods locally (%v)", err)
		return nil
	}
	var pod corev1.Pod
	if err := c.client.Get(ctx, workerPod, &pod); err != nil {
		return fmt.Errorf("reading the worker pod back: %w", err)
	}
	artifacts, err := serveArtifacts()
	if err != nil {
		return err
	}
	defer artifacts.Close()
	proxy := "http://" + artifacts.Addr
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == inject.FetchContainer {
			pod.Spec.InitContainers[i].Env = append(pod.Spec.InitContainers[i].Env, corev1.EnvVar{Name: "HTTP_PROXY", Value: proxy})
		}
	}
	n.line("the artifact server at %s stands in for the cluster's (HTTP_PROXY of %s)", proxy, inject.FetchContainer)
	fixtures, err := workerFixtures(ex, c, opts, work)
	if err != nil {
		return err
	}
	out := &prettyLog{out: n.out}
	res, runErr := podrunner.Run(ctx, &pod, podrunner.Options{
		Fixtures: fixtures, WorkDir: work, Stdout: out, Stderr: out, Timeout: 2 * time.Minute, MaxGracePeriod: 5 * time.Second,
	})
	out.flush()
	if res != nil {
		for _, r := range append(res.InitContainers, res.Containers...) {
			n.line("%-18s exited %d (%s) in %v", r.Name, r.ExitCode, r.Reason, r.Duration.Round(time.Millisecond))
		}
		if worker, ok := res.Container("mr3-worker"); ok && worker.Message != "" {
			n.line("termination message of mr3-worker: %s", strings.TrimSpace(worker.Message))
		}
	}
	if runErr != nil {
		return fmt.Errorf("running the worker pod: %w", runErr)
	}
	n.done("the worker started with its credentials, ATS key and jars in place, and its task's exit status surfaced through the agent")
	return nil
}

// workerFixtures stand in for the API server and the image registry.
func workerFixtures(ex *examples, c *cluster, opts Options, work string) (podrunner.Fixtures, error) {
	fx := podrunner.Fixtures{
		Secrets:    map[string]map[string][]byte{},
		ConfigMaps: map[string]map[string]string{"kube-root-ca.crt": {"ca.crt": string(c.cfg.CAData)}},
		Images:     map[string]string{"busybox:1.36": ""},
	}
	for _, u := range ex.objects {
		if u.GetNamespace() != workerPod.Namespace {
			continue
		}
		switch u.GetKind() {
		case "ConfigMap":
			data, _, _ := unstructured.NestedStringMap(u.Object, "data")
			fx.ConfigMaps[u.GetName()] = data
		case "Secret":
			var s corev1.Secret
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &s); err != nil {
				return fx, err
			}
			data := s.Data
			if data == nil {
				data = map[string][]byte{}
			}
			for k, v := range s.StringData {
				data[k] = []byte(v)
			}
			fx.Secrets[u.GetName()] = data
		}
	}
	agentDir, err := imageDir(work, "agent", map[string]fileSpec{"agent": {from: opts.AgentBinary, mode: 0o555}})
	if err != nil {
		return fx, err
	}
	hiveDir, err := imageDir(work, "hive", map[string]fileSpec{"opt/mr3-run/hive/run-worker.sh": {content: workerScript, mode: 0o755}})
	if err != nil {
		return fx, err
	}
	fx.Images[demoAgentImage] = agentDir
	fx.Images["mr3project/hive:4.0.0.mr3.2.1"] = hiveDir
	return fx, nil
}

// workerScript stands in for Hive on MR3's run-worker.sh: it shows what the
// worker found in place, then runs a short task.
const workerScript = `#!/bin/sh
echo "Hive on MR3 ContainerWorker $WORKER_ID starting in pod $POD_NAME"
for jar in $(echo "$SPARK_EXTRA_CLASSPATH" | tr ':' ' '); do
  echo "classpath: $jar ($(wc -c < "$jar") bytes, sha256 $(sha256sum "$jar" | cut -c1-12)...)"
done
token=/var/run/secrets/kubernetes.io/serviceaccount
echo "ServiceAccount token: $(wc -c < $token/token) bytes; namespace $(cat $token/namespace); CA $(test -s $token/ca.crt && echo present)"
[ -n "$ATS_SECRET_KEY" ] && echo "ATS_SECRET_KEY: set from client-am-config (value not shown)"
echo "running DAG task attempt_1_0001_0_00_000000_0 ..."
sleep 1
echo "task done"
`

type fileSpec struct {
	from    string
	content string
	mode    os.FileMode
}

// imageDir makes a fake image directory for the pod runner.
func imageDir(work, name string, files map[string]fileSpec) (string, error) {
	dir := filepath.Join(work, "images", name)
	for path, f := range files {
		data := []byte(f.content)
		if f.from != "" {
			var err error
			if data, err = os.ReadFile(f.from); err != nil {
				return "", fmt.Errorf("image %s: %w", name, err)
			}
		}
		full := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(full, data, f.mode); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// artifactServer answers proxied GETs for any .jar with demo bytes.
type artifactServer struct {
	*http.Server
	Addr string
}

func serveArtifacts() (*artifactServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the artifact server: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, ".jar") {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256([]byte(r.URL.Path))
		body := []byte(strings.Repeat(fmt.Sprintf("%x", sum), 2048)) // 128 KiB of demo bytes
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(l) }()
	return &artifactServer{Server: srv, Addr: l.Addr().String()}, nil
}
