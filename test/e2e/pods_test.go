package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"text/template"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/internal/podrunner"
	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

const agentImageRef = "registry.example.com/stagehand/agent:e2e"

var injectOptions = inject.Options{
	Version:     "e2e",
	AgentImage:  agentImageRef,
	Entrypoints: inject.Entrypoints{"apache/spark:*": {"/opt/entrypoint.sh"}},
}

// injectYAML runs the offline injector, as `webhook inject -f` does, and
// loads the pod it prints.
func injectYAML(t *testing.T, tmpl string, data any) *podrunnerPod {
	t.Helper()
	var in, out bytes.Buffer
	if err := template.Must(template.New("pod").Parse(tmpl)).Execute(&in, data); err != nil {
		t.Fatal(err)
	}
	if _, err := (&offline.Injector{Injector: inject.New(injectOptions)}).Inject(&in, &out); err != nil {
		t.Fatalf("injecting: %v", err)
	}
	pod, err := podrunner.LoadPod(out.Bytes())
	if err != nil {
		t.Fatalf("loading the injected pod: %v\n%s", err, out.Bytes())
	}
	return &podrunnerPod{Pod: pod, yaml: out.String()}
}

// runPod runs an injected pod locally, bounded in time.
func runPod(t *testing.T, p *podrunnerPod, fx podrunner.Fixtures) (*podrunner.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs bytes.Buffer
	res, err := podrunner.Run(ctx, p.Pod, podrunner.Options{
		Fixtures: fx, Stdout: &logs, Stderr: &logs, MaxGracePeriod: 5 * time.Second,
	})
	t.Logf("pod output:\n%s", logs.String())
	return res, err
}

// terminationMessage decodes the agent's termination message.
func terminationMessage(t *testing.T, c podrunner.ContainerResult) supervise.TerminationMessage {
	t.Helper()
	var msg supervise.TerminationMessage
	if err := json.Unmarshal([]byte(c.Message), &msg); err != nil {
		t.Fatalf("container %s: termination message %q is not the agent's JSON: %v", c.Name, c.Message, err)
	}
	return msg
}

func containerResult(t *testing.T, res *podrunner.Result, name string) podrunner.ContainerResult {
	t.Helper()
	c, ok := res.Container(name)
	if !ok {
		t.Fatalf("container %s did not run; result %+v", name, res)
	}
	return c
}

func TestMR3WorkerRunsWithItsDependencies(t *testing.T) {
	requirePods(t)
	udf := randomBytes(t, 256<<10)
	deps := newDepServer(t, map[string][]byte{
		"udfs-1.4.jar":  udf,
		"hive-site.xml": []byte("<configuration/>\n"),
		"venv.tar.gz":   tarGz(t, map[string]string{"bin/activate": "# venv\n"}),
	})
	pod := injectYAML(t, mr3WorkerPod, map[string]string{
		"Jar": deps.uri("udfs-1.4.jar"), "File": deps.uri("hive-site.xml"), "Archive": deps.uri("venv.tar.gz"),
	})
	res, err := runPod(t, pod, podrunner.Fixtures{
		Images: map[string]string{
			agentImageRef:           agentImage(t),
			"busybox:1.36":          "",
			"mr3project/hive:4.0.0": image(t, map[string]string{"opt/mr3-run/hive/run-worker.sh": mr3WorkerScript, "opt/mr3-run/lib/tez-aux.jar": "aux"}, ""),
		},
		ConfigMaps: map[string]map[string]string{
			"client-am-config": {"ats-secret-key": "e2e-not-a-real-secret"},
			"kube-root-ca.crt": {"ca.crt": "-----BEGIN CERTIFICATE-----\n"},
		},
	})
	var cerr *podrunner.ContainerError
	if !errors.As(err, &cerr) || cerr.Container != "mr3-worker" || cerr.ExitCode != 7 {
		t.Fatalf("want the worker's own exit code 7 to surface through the agent, got %v", err)
	}
	for _, name := range []string{inject.InstallContainer, inject.FetchContainer, "init-work-dir"} {
		if c := containerResult(t, res, name); c.ExitCode != 0 {
			t.Errorf("init container %s exited %d: %s", name, c.ExitCode, c.Output)
		}
	}
	worker := containerResult(t, res, "mr3-worker")
	want := "classpath=/var/spark-data/spark-jars/udfs-1.4.jar:/opt/mr3-run/lib/tez-aux.jar"
	if !strings.Contains(worker.Output, want) || !strings.Contains(worker.Output, "worker --ContainerWorker e2e-1 done") {
		t.Errorf("worker output %q, want %q and its args", worker.Output, want)
	}
	if msg := terminationMessage(t, worker); msg.ExitCode != 7 || msg.Reason != supervise.ReasonError {
		t.Errorf("termination message %+v, want exit code 7, reason Error", msg)
	}
	if strings.Contains(worker.Output+worker.Message, "e2e-not-a-real-secret") {
		t.Error("the ATS secret key value leaked into the output")
	}
	if got := deps.requests.Load(); got != 3 {
		t.Errorf("dependency server saw %d requests, want 3", got)
	}
}

func TestSparkExecutorRunsThroughItsImageEntrypoint(t *testing.T) {
	requirePods(t)
	deps := newDepServer(t, map[string][]byte{"spark-avro_2.12-3.5.3.jar": randomBytes(t, 64<<10)})
	pod := injectYAML(t, sparkExecutorPod, map[string]string{"Jar": deps.uri("spark-avro_2.12-3.5.3.jar")})
	res, err := runPod(t, pod, podrunner.Fixtures{
		Images: map[string]string{
			agentImageRef:        agentImage(t),
			"apache/spark:3.5.3": image(t, map[string]string{"opt/entrypoint.sh": sparkEntrypoint}, "/opt/entrypoint.sh"),
		},
	})
	if err != nil {
		t.Fatalf("executor pod failed: %v", err)
	}
	exec := containerResult(t, res, "spark-kubernetes-executor")
	if !strings.Contains(exec.Output, "executor sees /var/spark-data/spark-jars/spark-avro_2.12-3.5.3.jar") {
		t.Errorf("executor output %q does not show its jar on SPARK_EXTRA_CLASSPATH", exec.Output)
	}
	if msg := terminationMessage(t, exec); msg.ExitCode != 0 || msg.Reason != supervise.ReasonCompleted {
		t.Errorf("termination message %+v, want a completed task", msg)
	}
}

func TestCorruptDependencyStopsThePod(t *testing.T) {
	requirePods(t)
	deps := newDepServer(t, map[string][]byte{"spark-avro_2.12-3.5.3.jar": []byte("good")})
	uri := deps.uri("spark-avro_2.12-3.5.3.jar")
	deps.files["spark-avro_2.12-3.5.3.jar"] = []byte("tampered")
	pod := injectYAML(t, sparkExecutorPod, map[string]string{"Jar": uri})
	res, err := runPod(t, pod, podrunner.Fixtures{
		Images: map[string]string{agentImageRef: agentImage(t), "apache/spark:3.5.3": image(t, map[string]string{"opt/entrypoint.sh": sparkEntrypoint}, "/opt/entrypoint.sh")},
	})
	var cerr *podrunner.ContainerError
	if !errors.As(err, &cerr) || cerr.Container != inject.FetchContainer || cerr.ExitCode != fetch.ExitIntegrity {
		t.Fatalf("want %s to fail with the integrity exit code %d, got %v", inject.FetchContainer, fetch.ExitIntegrity, err)
	}
	if _, ran := res.Container("spark-kubernetes-executor"); ran {
		t.Error("the executor ran although its dependency failed verification")
	}
}

// podrunnerPod is an injected pod and the YAML it came from.
type podrunnerPod struct {
	Pod  *corev1.Pod
	yaml string
}
