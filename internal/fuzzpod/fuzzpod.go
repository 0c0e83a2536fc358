package fuzzpod

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// bases are the pods the fuzzer varies annotations on: a plain one, and an
// MR3-like one with its own env, mounts, init container and a container
// without command whose image the entrypoint map knows.
var bases = []func() *corev1.Pod{
	func() *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "busybox"}}}}
	},
	func() *corev1.Pod {
		return &corev1.Pod{Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false),
			InitContainers:               []corev1.Container{{Name: "init", Image: "busybox", Command: []string{"true"}}},
			Containers: []corev1.Container{
				{Name: "worker", Image: "mr3project/hive:4.0.0", Command: []string{"/run.sh"},
					Env:          []corev1.EnvVar{{Name: "ATS_SECRET_KEY", Value: "user"}},
					VolumeMounts: []corev1.VolumeMount{{Name: "conf", MountPath: "/opt/conf"}}},
				{Name: "side", Image: "apache/spark:3.5.3"},
			},
			Volumes: []corev1.Volume{{Name: "conf", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		}}
	},
}

// Entrypoints is the entrypoint map the fuzzed injector runs with.
var Entrypoints = map[string][]string{"apache/spark:*": {"/opt/entrypoint.sh"}}

// Pod builds the pod of one fuzz input: base picks the base pod, and spec
// holds "key=value" lines; a key without "/" gets the stagehand.io/ prefix.
func Pod(base uint8, spec string) *corev1.Pod {
	pod := bases[int(base)%len(bases)]()
	pod.ObjectMeta = metav1.ObjectMeta{Name: "fuzz", Namespace: "fuzz", Annotations: map[string]string{}}
	for _, line := range strings.Split(spec, "\n") {
		k, v, _ := strings.Cut(line, "=")
		if !strings.Contains(k, "/") {
			k = annotations.Prefix + k
		}
		pod.Annotations[k] = v
	}
	return pod
}
