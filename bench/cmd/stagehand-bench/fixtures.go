package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
)

// Fixture names.
const (
	podMR3   = "mr3-worker-agent"
	podPlain = "plain"
	podLarge = "64KiB"
)

// mr3Path is the MR3 worker pod with the most injections: the projected
// token, the Timeline Server key, dependencies and the agent.
const mr3Path = "testdata/inject/mr3-worker-agent.in.yaml"

// Size of the large pod and of the values of its environment variables:
// about 900 variables make 64 KiB.
const (
	largePodBytes = 64 << 10
	largeValueLen = 38
)

// fixture is one pod the webhook is benchmarked with.
type fixture struct {
	name   string
	pod    *corev1.Pod
	review []byte // the AdmissionReview request carrying pod
	// reviews are the requests of the load loops: like the pods of one MR3
	// DAG or Spark job, each has its own UID, pod name and arguments.
	reviews *loadgen.Template
	size    int // bytes of the pod's JSON
}

// numberMarker is where a request's number goes in a fixture's template.
const numberMarker = "@N@"

// loadFixtures returns the MR3 worker, a plain annotated pod and the MR3
// worker padded to 64 KiB with environment variables.
func loadFixtures(root string) ([]fixture, error) {
	data, err := os.ReadFile(filepath.Join(root, mr3Path))
	if err != nil {
		return nil, fmt.Errorf("reading the MR3 pod: %w", err)
	}
	mr3 := &corev1.Pod{}
	if err := yaml.Unmarshal(data, mr3); err != nil {
		return nil, fmt.Errorf("decoding the MR3 pod: %w", err)
	}
	large := mr3.DeepCopy()
	padEnv(large, largePodBytes)
	var fs []fixture
	for _, p := range []struct {
		name string
		pod  *corev1.Pod
	}{{podMR3, mr3}, {podPlain, plainPod()}, {podLarge, large}} {
		f, err := newFixture(p.name, p.pod)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// plainPod is a one-container pod that asks for the projected token only.
func plainPod() *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "plain", Namespace: "hivemr3",
			Annotations: map[string]string{"stagehand.io/service-account-token": "true"},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Image: "busybox:1.36", Command: []string{"sleep", "3600"},
		}}},
	}
}

// padEnv adds environment variables to the first container until the pod's
// JSON is at least size bytes.
func padEnv(pod *corev1.Pod, size int) {
	value := make([]byte, largeValueLen)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	c := &pod.Spec.Containers[0]
	for n := 0; ; n++ {
		if n%10 == 0 {
			if data, _ := json.Marshal(pod); len(data) >= size {
				return
			}
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("BENCH_VAR_%04d", n), Value: string(value)})
	}
}

func newFixture(name string, pod *corev1.Pod) (fixture, error) {
	numbered := pod.DeepCopy()
	numbered.Name += "-" + numberMarker
	for i := range numbered.Spec.Containers {
		if args := numbered.Spec.Containers[i].Args; len(args) > 0 {
			args[len(args)-1] += "-" + numberMarker
		}
	}
	raw, err := json.Marshal(numbered)
	if err != nil {
		return fixture{}, fmt.Errorf("encoding pod %s: %w", name, err)
	}
	review, err := admissiontest.Review("2a7b1c4e-bench-"+numberMarker, numbered.Namespace, admissionv1.Create, raw)
	if err != nil {
		return fixture{}, fmt.Errorf("pod %s: %w", name, err)
	}
	reviews := loadgen.NewTemplate(review, numberMarker)
	return fixture{
		name: name, pod: pod, review: reviews.Body(0), reviews: reviews,
		size: len(loadgen.NewTemplate(raw, numberMarker).Body(0)),
	}, nil
}
