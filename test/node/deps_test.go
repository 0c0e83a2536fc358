package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// jarsDir is where stagehand puts fetched jars by default.
const jarsDir = "/var/spark-data/spark-jars"

// TestDependenciesChecksummed: a jar from the artifact server, with its
// sha256, is in place before the task starts (the task reads it as its
// first command, and stagehand's init container, which fetched it, finished
// before the task started).
func TestDependenciesChecksummed(t *testing.T) {
	url := artifactServer(t)
	ns := namespace(t, optedIn)
	pod := taskPod(ns, "deps", "sha256sum "+jarsDir+"/"+jarName, map[string]string{
		"stagehand.io/jars":  url + jarPath + "#sha256=" + jarSHA256,
		"stagehand.io/agent": "true",
	})
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Succeeded", succeeded)
	injected(t, got)
	if out := containerLog(t, got, "task"); !strings.Contains(out, jarSHA256) {
		t.Errorf("the task did not find the jar with its digest %s: %q", jarSHA256, out)
	}
	fetch := status(t, got, agentapi.InitContainer).State.Terminated
	task := status(t, got, "task").State.Terminated
	if fetch == nil || fetch.ExitCode != 0 || task == nil || task.StartedAt.Before(&fetch.FinishedAt) {
		t.Errorf("%s did not end, with exit 0, before the task started: fetch %+v, task %+v", agentapi.InitContainer, fetch, task)
	}
	if fetch != nil {
		m := fetchMessage(t, fetch.Message)
		if m.Component != termination.FetchComponent || m.ExitCode != 0 || m.Reason != "Completed" || m.Dependencies != 1 || m.Failed != 0 || len(m.Items) != 1 {
			t.Fatalf("the fetch summary is not one dependency completed: %+v", m)
		}
		it := m.Items[0]
		if it.Name != jarName || it.Kind != "jar" || it.State != termination.StatePlaced || it.Bytes != int64(len(jarContent)) ||
			it.SHA256 != jarSHA256[:termination.SHA256PrefixLength] || !it.Pinned {
			t.Errorf("the fetch summary's jar is %+v; want %s placed, %d bytes, sha256 %s pinned", it, jarName, len(jarContent), jarSHA256[:termination.SHA256PrefixLength])
		}
	}
}

// fetchMessage decodes the termination message stagehand's init container
// left when it fetched: the fetch's summary, within the kubelet's 4 KiB.
func fetchMessage(t *testing.T, message string) termination.Fetch {
	t.Helper()
	if len(message) >= 4096 {
		t.Errorf("the termination message has %d bytes; the kubelet keeps 4096", len(message))
	}
	var m termination.Fetch
	dec := json.NewDecoder(strings.NewReader(message))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("the termination message is not the fetch's summary: %v: %q", err, message)
	}
	return m
}

// TestWrongChecksumStopsThePod: a jar whose content does not match its
// sha256 leaves the pod in Init:Error (stagehand-init terminated with
// reason Error, the task never started) with the mismatch in the init
// container's termination message.
func TestWrongChecksumStopsThePod(t *testing.T) {
	url := artifactServer(t)
	ns := namespace(t, optedIn)
	wrong := sha256.Sum256([]byte("other bytes"))
	pod := taskPod(ns, "bad-deps", "echo the task must not start", map[string]string{
		"stagehand.io/jars":  url + jarPath + "#sha256=" + hex.EncodeToString(wrong[:]),
		"stagehand.io/agent": "true",
	})
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Failed", func(p *corev1.Pod) (bool, error) {
		return p.Status.Phase == corev1.PodFailed, nil
	})
	fetch := status(t, got, agentapi.InitContainer).State.Terminated
	if fetch == nil || fetch.ExitCode == 0 || fetch.Reason != "Error" {
		t.Fatalf("%s did not fail with reason Error (Init:Error): %+v", agentapi.InitContainer, fetch)
	}
	if !strings.Contains(fetch.Message, "sha256 mismatch") || !strings.Contains(fetch.Message, jarSHA256) {
		t.Errorf("the termination message does not name the mismatch and the digest served (%s): %q", jarSHA256, fetch.Message)
	}
	m := fetchMessage(t, fetch.Message)
	if m.ExitCode != 12 || m.Reason != "IntegrityError" || m.Failed != 1 || len(m.Items) != 1 || m.Items[0].State != termination.StateFailed ||
		!strings.Contains(m.Items[0].Error, "sha256 mismatch") || !strings.Contains(m.Items[0].Error, jarSHA256) {
		t.Errorf("the fetch summary does not name the failed jar and its mismatch: %+v", m)
	}
	if s := status(t, got, "task"); s.State.Running != nil || s.State.Terminated != nil {
		t.Errorf("the task started despite the failed fetch: %+v", s.State)
	}
}

// TestMR3WorkerByProfile: a ContainerWorker exactly as DAGAppMaster
// creates it (manifests/examples/mr3-worker.yaml: no annotation, labels
// mr3-pod-role and mr3-worker-pod-id, automount off, busybox init
// container; only its images and the worker's command are the node's) is
// injected because the InjectionProfile mr3-workers of the examples
// selects it, and runs to its end with the token, the ATS key and the UDF
// jar (from the artifact server, checksummed) under the agent.
func TestMR3WorkerByProfile(t *testing.T) {
	c := env(t)
	url := artifactServer(t)
	ns := namespace(t, optedIn)
	var worker corev1.Pod
	var key string
	for _, u := range example(t, "config.yaml", "profiles/mr3-workers.yaml", "mr3-worker.yaml") {
		u.SetNamespace(ns)
		switch u.GetKind() {
		case "InjectionProfile":
			jars := url + jarPath + "#sha256=" + jarSHA256
			if err := unstructured.SetNestedField(u.Object, jars, "spec", "annotations", "stagehand.io/jars"); err != nil {
				t.Fatal(err)
			}
		case "ConfigMap":
			if u.GetName() == "client-am-config" {
				key, _, _ = unstructured.NestedString(u.Object, "data", "ats-secret-key")
			}
		case "Pod":
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &worker); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := c.Client.Create(t.Context(), u); err != nil {
			t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
	worker.Spec.InitContainers[0].Image = busybox
	worker.Spec.Containers[0].Image = busybox
	worker.Spec.Containers[0].Command = []string{"/bin/sh", "-c", "sha256sum " + jarsDir + "/" + jarName +
		`; printf %s "$ATS_SECRET_KEY" | sha256sum; test -s ` + tokenDir + `/token && test -d /opt/mr3-run/work-dir/log && echo worker-done`}
	if len(worker.Annotations) != 0 {
		t.Fatalf("the example worker has annotations %v; DAGAppMaster gives it none", worker.Annotations)
	}
	waitProfileSeen(t, &worker, "mr3-workers")
	create(t, &worker)
	got := waitPod(t, ns, worker.Name, "Succeeded", succeeded)
	if st := profileOf(got); st != "mr3-workers" {
		t.Errorf("the worker was injected with profile %q, want mr3-workers; %s: %s", st, annotations.Status, got.Annotations[annotations.Status])
	}
	if m := agentMessage(t, got, "mr3-worker"); m.Reason != supervise.ReasonCompleted {
		t.Errorf("the agent reports %+v", m)
	}
	out := containerLog(t, got, "mr3-worker")
	keySum := sha256.Sum256([]byte(key))
	for _, want := range []string{jarSHA256, hex.EncodeToString(keySum[:]), "worker-done"} {
		if !strings.Contains(out, want) {
			t.Errorf("the worker's output lacks %q:\n%s", want, out)
		}
	}
}

// example reads objects of manifests/examples.
func example(t *testing.T, files ...string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(root, "manifests", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewYAMLOrJSONDecoder(strings.NewReader(string(b)), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				break
			}
			if len(u.Object) > 0 {
				out = append(out, u)
			}
		}
	}
	return out
}

// profileOf returns the profile stagehand.io/status records.
func profileOf(p *corev1.Pod) string {
	var st struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
	}
	_ = json.Unmarshal([]byte(p.Annotations[annotations.Status]), &st)
	return st.Profile.Name
}

// waitProfileSeen waits until the webhook injects pod (created dry-run)
// with the profile: a profile applies only to pods created after the
// webhook has seen it.
func waitProfileSeen(t *testing.T, pod *corev1.Pod, profile string) {
	t.Helper()
	c := env(t)
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, podTimeout, true, func(ctx context.Context) (bool, error) {
		p := pod.DeepCopy()
		return c.Client.Create(ctx, p, client.DryRunAll) == nil && profileOf(p) == profile, nil
	})
	if err != nil {
		t.Fatalf("the webhook did not apply InjectionProfile %s to pod %s within %v: %v", profile, pod.Name, podTimeout, err)
	}
}
