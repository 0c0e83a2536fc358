package integration

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// optedIn are the labels of a namespace that opts in to injection.
var optedIn = map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled}

// newNamespace creates a namespace of its own for one test, with a
// "default" ServiceAccount, which no controller creates under envtest.
func (s *suite) newNamespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "stagehand-it-", Labels: labels}}
	if err := s.client.Create(t.Context(), ns); err != nil {
		t.Fatalf("creating namespace: %v", err)
	}
	t.Cleanup(func() {
		// No namespace controller runs: the namespace only turns Terminating.
		_ = s.client.Delete(context.Background(), ns)
	})
	s.ensureServiceAccount(t, ns.Name)
	return ns.Name
}

func (s *suite) ensureServiceAccount(t *testing.T, namespace string) {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: namespace}}
	if err := s.client.Create(t.Context(), sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating the default ServiceAccount in %s: %v", namespace, err)
	}
}

// createPod creates pod in namespace and returns it as the API server
// stored it (or, with dry-run, as it would have).
func (s *suite) createPod(t *testing.T, namespace string, pod *corev1.Pod, opts ...client.CreateOption) *corev1.Pod {
	t.Helper()
	pod.Namespace = namespace
	if err := s.client.Create(t.Context(), pod, opts...); err != nil {
		t.Fatalf("creating pod %s/%s: %v", namespace, pod.Name, err)
	}
	return pod
}

// getPod reads a pod back from the API server.
func (s *suite) getPod(t *testing.T, namespace, name string) *corev1.Pod {
	t.Helper()
	var pod corev1.Pod
	if err := s.client.Get(t.Context(), client.ObjectKey{Namespace: namespace, Name: name}, &pod); err != nil {
		t.Fatalf("reading pod %s/%s: %v", namespace, name, err)
	}
	return &pod
}

// eventually polls cond until it holds, for at most waitTimeout.
func eventually(t *testing.T, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), pollInterval, waitTimeout, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// mr3Worker is a Pod like the ContainerWorkers that Hive on MR3 creates:
// the kubelet mounts no token, a busybox init container prepares the work
// directory, and the worker mounts its conf ConfigMap, its Secret and a PVC.
func mr3Worker(name string, anns map[string]string) *corev1.Pod {
	automount := false
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      map[string]string{"mr3-pod-role": "container-role", "mr3-worker-pod-id": "1"},
			Annotations: anns,
		},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: &automount,
			RestartPolicy:                corev1.RestartPolicyNever,
			InitContainers: []corev1.Container{{
				Name:    "init-work-dir",
				Image:   "busybox:1.36",
				Command: []string{"/bin/sh", "-c", "mkdir -p /opt/mr3-run/work-dir/log"},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "work-dir-volume", MountPath: "/opt/mr3-run/work-dir"},
				},
			}},
			Containers: []corev1.Container{{
				Name:    "mr3-worker",
				Image:   "mr3project/hive:4.0.0.mr3.2.1",
				Command: []string{"/opt/mr3-run/hive/run-worker.sh"},
				Env: []corev1.EnvVar{
					{Name: "WORKER_ID", Value: "1"},
					{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				},
				VolumeMounts: []corev1.VolumeMount{
					{Name: "conf-k8s-volume", MountPath: "/opt/mr3-run/conf", ReadOnly: true},
					{Name: "key-k8s-volume", MountPath: "/opt/mr3-run/key", ReadOnly: true},
					{Name: "work-dir-volume", MountPath: "/opt/mr3-run/work-dir"},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "conf-k8s-volume", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: "hivemr3-conf-configmap"}}}},
				{Name: "key-k8s-volume", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "hivemr3-worker-secret"}}},
				{Name: "work-dir-volume", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "workdir-pvc"}}},
			},
		},
	}
}

// sparkDriver is a Spark driver Pod that keeps the kubelet's own token mount.
func sparkDriver(name string, anns map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"spark-role": "driver"}, Annotations: anns},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name:  "spark-kubernetes-driver",
				Image: "apache/spark:3.5.3",
				Args:  []string{"driver", "--class", "org.apache.spark.examples.SparkPi", "local:///opt/spark/examples/jars/spark-examples.jar"},
			}},
		},
	}
}

// harden makes pod comply with PodSecurity "restricted".
func harden(pod *corev1.Pod) *corev1.Pod {
	yes, no := true, false
	uid := int64(1000)
	pod.Spec.SecurityContext = &corev1.PodSecurityContext{
		RunAsNonRoot:   &yes,
		RunAsUser:      &uid,
		FSGroup:        &uid,
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			cs[i].SecurityContext = &corev1.SecurityContext{
				AllowPrivilegeEscalation: &no,
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			}
		}
	}
	return pod
}
