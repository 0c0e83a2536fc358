package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// partPodStart is the part of the run on the local node.
const partPodStart = "podstart"

// Bounds of the pod-start part.
const (
	podStartTimeout = 2 * time.Minute // one pod, created to Succeeded
	podStartNS      = "bench-podstart"
	// podStartImage is the node's busybox (hack/cluster/busybox).
	podStartImage = nodeenv.BusyboxImage
	// podStartJarPath is the dependency the MR3 worker fetches: a small
	// file from a server on the node, so that the fetch itself is not what
	// is measured.
	podStartJarPath = "/udf/bench-udf.jar"
)

// podStartJar is the dependency's content, 4 KiB.
var podStartJar = strings.Repeat("stagehand pod-start bench jar\n", 4096/30)

// podStartResults are, for the MR3 worker created with stagehand and the
// same pod without it, the time from the create call to the task's
// container seen running, and to the pod seen Succeeded, alternating.
type podStartResults struct {
	taskStart, succeeded map[string][]time.Duration // by "with" and "without"
}

// benchPodStart runs on the node of STAGEHAND_NODE_KUBECONFIG: stagehand
// installed as an admin does (internal/nodeenv), then n pods of each kind,
// alternating, one at a time.
func benchPodStart(ctx context.Context, o options, log io.Writer) (podStartResults, error) {
	res := podStartResults{taskStart: map[string][]time.Duration{}, succeeded: map[string][]time.Duration{}}
	kubeconfig := os.Getenv(nodeenv.KubeconfigEnv)
	unlock, err := nodeenv.Lock(ctx, kubeconfig, func(f string, a ...any) { fmt.Fprintf(log, "podstart: "+f+"\n", a...) })
	if err != nil {
		return res, err
	}
	defer unlock()
	c, err := nodeenv.Install(ctx, nodeenv.Options{Root: o.root, Kubeconfig: kubeconfig, Logf: func(f string, a ...any) { fmt.Fprintf(log, "podstart: "+f+"\n", a...) }})
	if err != nil {
		return res, err
	}
	cs := c.Clientset
	if err := podStartNamespace(ctx, cs); err != nil {
		return res, err
	}
	defer func() {
		_ = cs.CoreV1().Namespaces().Delete(context.WithoutCancel(ctx), podStartNS, metav1.DeleteOptions{})
	}()
	art, err := c.StartArtifacts(ctx, podStartNS, "artifacts", map[string]string{podStartJarPath: podStartJar}, podStartTimeout)
	if err != nil {
		return res, fmt.Errorf("the artifact server: %w", err)
	}
	sum := sha256.Sum256([]byte(podStartJar))
	jar := art.URL + podStartJarPath + "#sha256=" + hex.EncodeToString(sum[:])
	for i := range len(podStartKinds) * o.podStarts {
		kind := podStartKinds[i%len(podStartKinds)]
		pod := podStartPod(fmt.Sprintf("%s-%d", kind, i), kind, jar)
		start, succeeded, err := timePod(ctx, cs, pod)
		if err != nil {
			return res, fmt.Errorf("pod %s: %w", pod.Name, err)
		}
		res.taskStart[kind] = append(res.taskStart[kind], start)
		res.succeeded[kind] = append(res.succeeded[kind], succeeded)
		_ = cs.CoreV1().Pods(podStartNS).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
	}
	for _, kind := range podStartKinds {
		fmt.Fprintf(log, "podstart %-7s task start p50=%v p95=%v, Succeeded p50=%v p95=%v\n", kind,
			median(res.taskStart[kind]), quantile(res.taskStart[kind], 0.95), median(res.succeeded[kind]), quantile(res.succeeded[kind], 0.95))
	}
	return res, nil
}

// podStartNamespace creates the opted-in namespace, its ServiceAccount's
// ConfigMap of the Timeline Server key, and waits for the default
// ServiceAccount, which the controller manager creates.
func podStartNamespace(ctx context.Context, cs kubernetes.Interface) error {
	_ = cs.CoreV1().Namespaces().Delete(ctx, podStartNS, metav1.DeleteOptions{})
	deadline := time.Now().Add(podStartTimeout)
	for {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: podStartNS, Labels: map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled}}}
		_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("creating namespace %s (an earlier one still terminating?): %w", podStartNS, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "client-am-config", Namespace: podStartNS}, Data: map[string]string{inject.DefaultATSSecretKey: "bench-key"}}
	if _, err := cs.CoreV1().ConfigMaps(podStartNS).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return err
	}
	for {
		if _, err := cs.CoreV1().ServiceAccounts(podStartNS).Get(ctx, "default", metav1.GetOptions{}); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no default ServiceAccount in %s", podStartNS)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The kinds of pod the part alternates: with stagehand, without it, and
// without it but with one init container that does nothing (busybox's
// true), the floor of any injector that adds an init container.
var podStartKinds = []string{"with", "without", "init-floor"}

// podStartPod is an MR3-like worker whose task runs a second: with
// stagehand, it asks for the token, the Timeline Server key, the jar and
// the agent; without, it is the same pod (image, task) opted out; the
// init-floor is that pod with an init container running true.
func podStartPod(name, kind, jar string) *corev1.Pod {
	anns := map[string]string{annotations.Inject: "false"}
	if kind == "with" {
		anns = map[string]string{inject.ServiceAccountToken: "true", inject.ATSConfigMap: "client-am-config", inject.Agent: "true", inject.Jars: jar}
	}
	var inits []corev1.Container
	if kind == "init-floor" {
		inits = []corev1.Container{{Name: "floor", Image: podStartImage, ImagePullPolicy: corev1.PullNever, Command: []string{"true"}}}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: podStartNS, Annotations: anns,
			Labels: map[string]string{"mr3-pod-role": "container-role"}},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken:  ptr.To(false),
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			InitContainers:                inits,
			Containers: []corev1.Container{{
				Name: "mr3-worker", Image: podStartImage, ImagePullPolicy: corev1.PullNever,
				Command: []string{"/bin/sh", "-c", "sleep 1"},
			}},
		},
	}
}

// timePod creates pod and watches it: the time to its container first seen
// running, and to the pod seen Succeeded, from just before the create call.
func timePod(ctx context.Context, cs kubernetes.Interface, pod *corev1.Pod) (taskStart, succeeded time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, podStartTimeout)
	defer cancel()
	w, err := cs.CoreV1().Pods(pod.Namespace).Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", pod.Name).String()})
	if err != nil {
		return 0, 0, err
	}
	defer w.Stop()
	begin := time.Now()
	if _, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return 0, 0, err
	}
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			return 0, 0, fmt.Errorf("watch: %v", ev.Object)
		}
		p, ok := ev.Object.(*corev1.Pod)
		if !ok {
			continue
		}
		for _, s := range p.Status.ContainerStatuses {
			if taskStart == 0 && (s.State.Running != nil || s.State.Terminated != nil) {
				taskStart = time.Since(begin)
			}
		}
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			return taskStart, time.Since(begin), nil
		case corev1.PodFailed:
			return 0, 0, fmt.Errorf("pod failed: %s", p.Status.Message)
		}
	}
	return 0, 0, fmt.Errorf("not Succeeded within %v: %w", podStartTimeout, ctx.Err())
}

// podStartOverhead is the p50 with stagehand over the p50 without, of one
// of the measures.
func podStartOverhead(m map[string][]time.Duration) float64 {
	return ratio(float64(median(m["with"])), float64(median(m["without"])))
}
