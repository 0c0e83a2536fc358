package node

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// timelinePort is the Timeline Server stand-in's port (ATS's own).
const timelinePort = 8188

// timelineServer runs the Timeline Server stand-in as a pod behind a
// Service in a namespace of its own (not opted in), its ATS_SECRET_KEY
// from a ConfigMap holding key, and returns the namespace and the
// Service's URL by cluster IP (pods have no DNS on the node).
func timelineServer(t *testing.T, key string) (ns, url string) {
	t.Helper()
	importStandIns(t)
	ns = namespace(t)
	labels := map[string]string{"app": "timeline"}
	create(t, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "client-am-config", Namespace: ns},
		Data:       map[string]string{"ats-secret-key": key},
	})
	create(t, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "timeline", Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "timeline", Image: timelineImage, Args: []string{"--addr", fmt.Sprintf(":%d", timelinePort)},
			Env: []corev1.EnvVar{{Name: "ATS_SECRET_KEY", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "client-am-config"}, Key: "ats-secret-key"}}}},
			Ports:          []corev1.ContainerPort{{ContainerPort: timelinePort}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(timelinePort)}}, PeriodSeconds: 1},
		}}},
	})
	create(t, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "timeline", Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: timelinePort, TargetPort: intstr.FromInt32(timelinePort)}}},
	})
	return ns, "http://" + readyService(t, ns, "timeline") + fmt.Sprintf(":%d", timelinePort)
}

// readyService waits until the Service has a ready endpoint and returns
// its cluster IP.
func readyService(t *testing.T, ns, name string) string {
	t.Helper()
	c := env(t)
	err := c.WaitServiceReady(t.Context(), ns, name, podTimeout)
	if err != nil {
		var pod corev1.Pod
		_ = c.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &pod)
		t.Fatalf("no ready endpoint of Service %s/%s within %v: %v\n%s", ns, name, podTimeout, err, describe(t, ns, &pod))
	}
	var svc corev1.Service
	if err := c.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &svc); err != nil {
		t.Fatal(err)
	}
	return svc.Spec.ClusterIP
}

// taskEntities asks the Timeline Server stand-in, through the API server's
// proxy to its Service, for the agent's entities, with the delegation
// token of key, as a client of the Timeline Server would.
func taskEntities(ctx context.Context, t *testing.T, ns, key string) ([]timeline.Entity, error) {
	b, err := env(t).Clientset.CoreV1().RESTClient().Get().Namespace(ns).Resource("services").
		Name(fmt.Sprintf("timeline:%d", timelinePort)).SubResource("proxy").
		Suffix("ws/v1/timeline", timeline.EntityType).
		SetHeader(timeline.TokenHeader, timeline.DelegationToken(key)).
		DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	var out timeline.Entities
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("the Timeline Server's answer %q: %w", b, err)
	}
	return out.Entities, nil
}

// TestTaskReportsToTheTimelineServer: a pod asking for the ATS key, the
// Timeline Server's URL, a jar and the agent, whose task exits 7: the pod
// Fails with the task's own exit code in the kubelet's status and the
// agent's termination message, and the Timeline Server stand-in (a pod
// behind a Service, checking the delegation token against the same key)
// received stagehand-init's FETCH_STARTED and FETCH_FINISHED (one file)
// and the task's TASK_STARTED and TASK_FINISHED (exit code 7), each entity
// filtered by the node the pod ran on and naming the task's image. Neither
// the key nor its token is in the stored pod, the containers' logs and
// termination messages, or the stand-in's log.
func TestTaskReportsToTheTimelineServer(t *testing.T) {
	jarURL := artifactServer(t)
	ns := namespace(t, optedIn)
	key := atsConfigMap(t, ns)
	tlNS, tlURL := timelineServer(t, key)
	pod := taskPod(ns, "mr3worker-tl", `test -s `+jarsDir+"/"+jarName+` && test -n "$ATS_SECRET_KEY" && echo worker-done && exit 7`, map[string]string{
		"stagehand.io/ats-configmap": "client-am-config",
		"stagehand.io/timeline-url":  tlURL,
		"stagehand.io/jars":          jarURL + jarPath + "#sha256=" + jarSHA256,
		"stagehand.io/agent":         "true",
	})
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Failed", func(p *corev1.Pod) (bool, error) {
		if p.Status.Phase == corev1.PodSucceeded {
			return false, fmt.Errorf("the pod Succeeded; its task exits 7")
		}
		return p.Status.Phase == corev1.PodFailed, nil
	})
	injected(t, got)
	if term := status(t, got, "task").State.Terminated; term == nil || term.ExitCode != 7 {
		t.Errorf("the task's container did not end with its exit code 7: %+v", term)
	}
	if m := agentMessage(t, got, "task"); m.ExitCode != 7 || m.Reason != supervise.ReasonError {
		t.Errorf("the agent reports %+v, want exit code 7, reason Error", m)
	}
	if out := containerLog(t, got, "task"); !strings.Contains(out, "worker-done") {
		t.Errorf("the task did not find its jar and key: %q", out)
	}

	fetchID := fmt.Sprintf("%s/%s/%s/0", ns, pod.Name, agentapi.InitContainer)
	taskID := fmt.Sprintf("%s/%s/task/0", ns, pod.Name)
	want := map[string][]string{
		fetchID: {timeline.EventFetchStarted, timeline.EventFetchFinished},
		taskID:  {timeline.EventTaskStarted, timeline.EventTaskFinished},
	}
	byID := map[string]timeline.Entity{}
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, podTimeout, true, func(ctx context.Context) (bool, error) {
		es, err := taskEntities(ctx, t, tlNS, key)
		last = err
		byID = map[string]timeline.Entity{}
		for _, e := range es {
			slices.SortFunc(e.Events, func(a, b timeline.Event) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
			byID[e.ID] = e
		}
		return len(byID[fetchID].Events) >= 2 && len(byID[taskID].Events) >= 2, nil
	})
	if err != nil {
		t.Errorf("the Timeline Server stand-in did not get both entities with their events within %v (last error %v): %+v", podTimeout, last, byID)
	}
	for id, events := range want {
		e, ok := byID[id]
		if !ok {
			t.Errorf("entity %s not reported; the server has %+v", id, byID)
			continue
		}
		var types []string
		for _, ev := range e.Events {
			types = append(types, ev.Type)
		}
		if !reflect.DeepEqual(types, events) {
			t.Errorf("%s: events %v, want %v", id, types, events)
		}
		if node := e.PrimaryFilters["node"]; len(node) != 1 || node[0] != got.Spec.NodeName {
			t.Errorf("%s: primary filters %v, want node %s from the downward API", id, e.PrimaryFilters, got.Spec.NodeName)
		}
	}
	if e := byID[taskID]; len(e.Events) == 2 {
		if code := e.Events[1].Info["exitCode"]; code != float64(7) {
			t.Errorf("TASK_FINISHED exit code %v, want 7", code)
		}
		if img := e.OtherInfo["image"]; img != busybox {
			t.Errorf("the task entity's image is %v, want %s", img, busybox)
		}
	}
	if e := byID[fetchID]; len(e.Events) == 2 {
		info := e.Events[1].Info
		if files := info["files"]; files != float64(1) {
			t.Errorf("FETCH_FINISHED files %v, want 1", files)
		}
		var first map[string]any
		if items, _ := info["items"].([]any); len(items) > 0 {
			first, _ = items[0].(map[string]any)
		}
		if info["reason"] != "Completed" || first["state"] != "placed" || first["sha256"] != jarSHA256[:12] {
			t.Errorf("FETCH_FINISHED does not carry the fetch's summary (reason Completed, the jar placed with its sha256 %s): %v", jarSHA256[:12], info)
		}
	}

	spec, _ := json.Marshal(got)
	texts := []string{string(spec), logs(t.Context(), t, tlNS, "timeline", "timeline")}
	for _, s := range slices.Concat(got.Status.InitContainerStatuses, got.Status.ContainerStatuses) {
		texts = append(texts, containerLog(t, got, s.Name))
		if s.State.Terminated != nil {
			texts = append(texts, s.State.Terminated.Message)
		}
	}
	token := timeline.DelegationToken(key)
	for _, s := range texts {
		if strings.Contains(s, key) || strings.Contains(s, token) {
			t.Errorf("the ATS key or its token leaked: %s", s)
		}
	}
}
