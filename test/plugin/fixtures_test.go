package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/installation"
)

// optedIn are the labels of a namespace that opts in to injection.
var optedIn = map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled}

// createNamespace creates a namespace with labels and its "default"
// ServiceAccount, which no controller creates under envtest.
func (s *suite) createNamespace(ctx context.Context, labels map[string]string) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "stagehand-plugin-", Labels: labels}}
	if err := s.client.Create(ctx, ns); err != nil {
		return "", fmt.Errorf("creating a namespace: %w", err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns.Name}}
	if err := s.client.Create(ctx, sa); err != nil {
		return "", fmt.Errorf("creating the default ServiceAccount of %s: %w", ns.Name, err)
	}
	return ns.Name, nil
}

// newNamespace is createNamespace for one test.
func (s *suite) newNamespace(t *testing.T, labels map[string]string) string {
	t.Helper()
	ns, err := s.createNamespace(t.Context(), labels)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// create creates obj, failing the test otherwise.
func (s *suite) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := s.client.Create(t.Context(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// executor is a Spark executor pod as the Spark driver creates it.
func executor(name string, anns map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"spark-role": "executor"}, Annotations: anns},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "spark-kubernetes-executor", Image: "apache/spark:3.5.3", Args: []string{"executor"}}},
		},
	}
}

// injected tells whether stagehand injected pod.
func injected(pod *corev1.Pod) bool {
	_, ok := pod.Annotations[annotations.Status]
	return ok
}

// kubectl runs `kubectl stagehand args...` against the API server, bounded
// in time; it returns stdout, stderr and the exit code.
func (s *suite) kubectl(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testenv.WaitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.plugin, append([]string{"--kubeconfig", s.kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	case err != nil:
		t.Fatalf("kubectl stagehand %q: %v", args, err)
	}
	t.Logf("kubectl stagehand %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	return stdout.String(), stderr.String(), 0
}

// contains fails the test for each of wants that out lacks.
func contains(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

// changeInstallation changes the webhook Deployment's container env var
// name to value, or the entrypoint map of its ConfigMap when name is
// empty, and restores it when the test ends.
func (s *suite) changeInstallation(t *testing.T, name, value string) {
	t.Helper()
	ctx := context.Background()
	key := client.ObjectKey{Namespace: installation.DefaultNamespace, Name: installation.DeploymentName}
	if name == "" {
		key.Name = "stagehand-entrypoints"
		var cm corev1.ConfigMap
		if err := s.client.Get(ctx, key, &cm); err != nil {
			t.Fatal(err)
		}
		old := cm.DeepCopy()
		cm.Data["entrypoints.yaml"] = value
		if err := s.client.Update(ctx, &cm); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.restore(t, key, &corev1.ConfigMap{}, func(o client.Object) { o.(*corev1.ConfigMap).Data = old.Data })
		})
		return
	}
	var d appsv1.Deployment
	if err := s.client.Get(ctx, key, &d); err != nil {
		t.Fatal(err)
	}
	old := d.Spec.Template.Spec.Containers[0].DeepCopy().Env
	setEnv(&d, name, value)
	if err := s.client.Update(ctx, &d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.restore(t, key, &appsv1.Deployment{}, func(o client.Object) { o.(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Env = old })
	})
}

// restore reads the object at key into obj, changes it back and updates it.
func (s *suite) restore(t *testing.T, key client.ObjectKey, obj client.Object, back func(client.Object)) {
	ctx := context.Background()
	if err := s.client.Get(ctx, key, obj); err != nil {
		t.Errorf("restoring %s: %v", key, err)
		return
	}
	back(obj)
	if err := s.client.Update(ctx, obj); err != nil {
		t.Errorf("restoring %s: %v", key, err)
	}
}

func setEnv(d *appsv1.Deployment, name, value string) {
	c := &d.Spec.Template.Spec.Containers[0]
	for i := range c.Env {
		if c.Env[i].Name == name {
			c.Env[i] = corev1.EnvVar{Name: name, Value: value}
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: name, Value: value})
}
