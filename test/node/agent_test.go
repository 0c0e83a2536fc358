package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// atsConfigMap creates MR3's ConfigMap client-am-config in ns with a fresh
// Timeline Server key and returns the key.
func atsConfigMap(t *testing.T, ns string) string {
	t.Helper()
	key := "node-test-ats-key-" + suffix() + suffix()
	create(t, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "client-am-config", Namespace: ns},
		Data:       map[string]string{"ats-secret-key": key},
	})
	return key
}

// TestAgentTokenAndATSKey: a pod asking for the token, the ATS key from a
// ConfigMap and the agent runs to Succeeded on the node. stagehand's one
// init container ran from the agent image the manifests name, as a non-root
// user on a read-only root filesystem; the task ran under the agent, whose
// termination message the kubelet reports; the task saw the token and the
// ConfigMap's key (compared by digest: the key is never printed), and the
// key is nowhere in the stored pod.
func TestAgentTokenAndATSKey(t *testing.T) {
	c := env(t)
	ns := namespace(t, optedIn)
	key := atsConfigMap(t, ns)
	script := `printf %s "$ATS_SECRET_KEY" | sha256sum; test -s ` + tokenDir + `/token && echo token-mounted`
	pod := taskPod(ns, "mr3-task", script, map[string]string{
		"stagehand.io/service-account-token": "true",
		"stagehand.io/ats-configmap":         "client-am-config",
		"stagehand.io/agent":                 "true",
	})
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Succeeded", succeeded)
	injected(t, got)

	install := status(t, got, agentapi.InitContainer)
	if install.State.Terminated == nil || install.State.Terminated.ExitCode != 0 || install.ImageID == "" {
		t.Errorf("%s did not run to exit 0 from an image: %+v", agentapi.InitContainer, install)
	}
	if !strings.HasSuffix(install.Image, c.Images.Agent) {
		t.Errorf("%s ran image %q, want the manifests' agent image %q", agentapi.InitContainer, install.Image, c.Images.Agent)
	}
	if n := len(got.Spec.InitContainers); n != 1 {
		t.Errorf("the pod has %d init containers, want stagehand's one", n)
	}
	for _, ic := range got.Spec.InitContainers {
		if ic.Name != agentapi.InitContainer {
			continue
		}
		sc := ic.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s does not run as non-root on a read-only root filesystem: %+v", agentapi.InitContainer, sc)
		}
	}
	if cmd := got.Spec.Containers[0].Command; len(cmd) == 0 || cmd[0] != "/stagehand/bin/agent" {
		t.Errorf("the task is not run by the agent: command %q", cmd)
	}
	m := agentMessage(t, got, "task")
	if m.Reason != supervise.ReasonCompleted || m.ExitCode != 0 {
		t.Errorf("the agent reports %+v, want Completed with exit code 0", m)
	}

	out := containerLog(t, got, "task")
	sum := sha256.Sum256([]byte(key))
	if !strings.Contains(out, hex.EncodeToString(sum[:])) {
		t.Errorf("ATS_SECRET_KEY in the container is not the ConfigMap's value: the task printed the digest %q", out)
	}
	if !strings.Contains(out, "token-mounted") {
		t.Errorf("the task found no token in %s: %q", tokenDir, out)
	}
	stored, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), key) {
		t.Errorf("the ATS key's value is in the stored pod")
	}
}

// TestTokenAcceptedByAPIServer: the task, under the agent, sends the token
// stagehand projected to the API server at its in-cluster Service address
// (a SelfSubjectReview, trusting the mounted ca.crt), and the API server
// authenticates it as the pod's ServiceAccount.
func TestTokenAcceptedByAPIServer(t *testing.T) {
	ns := namespace(t, optedIn)
	pod := taskPod(ns, "token-probe", "", map[string]string{
		"stagehand.io/service-account-token": "true",
		"stagehand.io/agent":                 "true",
	})
	pod.Spec.Containers[0].Image = probeImage
	pod.Spec.Containers[0].Command = []string{"/probe", "--dir", tokenDir}
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Succeeded", succeeded)
	injected(t, got)

	var review struct {
		Probe    string `json:"probe"`
		Username string `json:"username"`
	}
	out := containerLog(t, got, "task")
	for _, line := range strings.Split(out, "\n") {
		var r struct {
			Probe    string `json:"probe"`
			Username string `json:"username"`
		}
		if json.Unmarshal([]byte(line), &r) == nil && r.Probe == "selfsubjectreview" {
			review = r
		}
	}
	if want := "system:serviceaccount:" + ns + ":default"; review.Username != want {
		t.Errorf("the API server authenticated the pod's token as %q, want %q; the task's log:\n%s", review.Username, want, out)
	}
	if m := agentMessage(t, got, "task"); m.Reason != supervise.ReasonCompleted {
		t.Errorf("the agent reports %+v", m)
	}
}

// TestDeleteDeliversSIGTERM: deleting a running pod makes the kubelet
// signal the agent, which passes SIGTERM to the task; the task's exit
// status (7, from its trap) is in the agent's termination message, which
// the kubelet records before the pod is gone.
func TestDeleteDeliversSIGTERM(t *testing.T) {
	c := env(t)
	ns := namespace(t, optedIn)
	script := `trap 'echo got-SIGTERM; exit 7' TERM; echo started; while true; do sleep 1; done`
	pod := taskPod(ns, "sigterm", script, map[string]string{"stagehand.io/agent": "true"})
	create(t, pod)
	waitPod(t, ns, pod.Name, "Running with the task started", func(p *corev1.Pod) (bool, error) {
		if p.Status.Phase != corev1.PodRunning {
			return false, nil
		}
		return strings.Contains(logs(t.Context(), t, ns, p.Name, "task"), "started"), nil
	})

	w, err := c.Clientset.CoreV1().Pods(ns).Watch(t.Context(), metav1.ListOptions{FieldSelector: "metadata.name=" + pod.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.Client.Delete(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	var term *corev1.ContainerStateTerminated
	deadline := time.After(podTimeout)
	for term == nil {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the watch ended before the task's termination was recorded")
			}
			if p, isPod := ev.Object.(*corev1.Pod); isPod && len(p.Status.ContainerStatuses) == 1 {
				term = p.Status.ContainerStatuses[0].State.Terminated
			}
		case <-deadline:
			t.Fatalf("no terminated state of the task within %v of the deletion", podTimeout)
		}
	}
	var m supervise.TerminationMessage
	if err := json.Unmarshal([]byte(term.Message), &m); err != nil || m.Component != supervise.Component {
		t.Fatalf("the termination message %q is not the agent's (%v)", term.Message, err)
	}
	if m.ExitCode != 7 || term.ExitCode != 7 {
		t.Errorf("the task's exit status after SIGTERM: message %+v, container exit code %d; want 7 (its trap ran)", m, term.ExitCode)
	}
	err = wait.PollUntilContextTimeout(t.Context(), pollInterval, podTimeout, true, func(ctx context.Context) (bool, error) {
		return apierrors.IsNotFound(c.Client.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})), nil
	})
	if err != nil {
		t.Errorf("the pod was not removed after its task ended: %v", err)
	}
}
