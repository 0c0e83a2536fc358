package guard

import (
	"bytes"
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// crdPath is the InjectionProfile CRD, generated into manifests/base/crd.
const crdPath = "../../manifests/base/crd"

// testLabel labels the namespaces a test binds its policy in.
const testLabel = "guard.stagehand.io/test"

// compilesProfileGuard: the API server accepts the profile guard and its
// binding, and refuses broken variants of them.
func compilesProfileGuard(t *testing.T, c client.Client) {
	p, err := ProfilePolicy(inject.Injections())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(t.Context(), p.DeepCopy(), client.DryRunAll); err != nil {
		t.Fatalf("the API server rejects the profile guard: %v", err)
	}
	if err := c.Create(t.Context(), ProfileBinding(), client.DryRunAll); err != nil {
		t.Fatalf("the API server rejects the profile guard's binding: %v", err)
	}
	variable := func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec, name string) *admissionregistrationv1.Variable {
		for i := range s.Variables {
			if s.Variables[i].Name == name {
				return &s.Variables[i]
			}
		}
		t.Fatalf("the profile guard has no variable %s", name)
		return nil
	}
	refusesBroken(t, c, p, map[string]func(*admissionregistrationv1.ValidatingAdmissionPolicySpec){
		"no-params": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) { s.ParamKind = nil },
		"selector-syntax": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) {
			variable(s, "selectorMatches").Expression += " ||"
		},
		"merge-no-such-macro": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) {
			v := variable(s, "anns")
			v.Expression = strings.Replace(v.Expression, "transformMapEntry", "transformMapEntries", 1)
		},
		"unknown-format": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) {
			v := variable(s, "selectorValid")
			v.Expression = strings.Replace(v.Expression, "format.labelValue()", "format.labelValues()", 1)
		},
		"message-not-string": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) {
			s.Validations[0].MessageExpression = "size(variables.expectedParts)"
		},
	})
	for name, broken := range map[string]func(*admissionregistrationv1.ParamRef){
		"no-not-found-action": func(r *admissionregistrationv1.ParamRef) { r.ParameterNotFoundAction = nil },
		"name-and-selector":   func(r *admissionregistrationv1.ParamRef) { r.Name = "p" },
	} {
		b := ProfileBinding()
		broken(b.Spec.ParamRef)
		if err := c.Create(t.Context(), b, client.DryRunAll); !apierrors.IsInvalid(err) {
			t.Errorf("%s: the API server accepted a broken binding (error %v): the check cannot fail", name, err)
		}
	}
}

// installProfileGuard installs the profile guard of the table under name,
// bound in the namespaces labelled testLabel=name.
func installProfileGuard(t *testing.T, c client.Client, name string) {
	t.Helper()
	p, err := ProfilePolicy(inject.Injections())
	if err != nil {
		t.Fatal(err)
	}
	p.Name = name
	b := ProfileBinding()
	b.Name, b.Spec.PolicyName = name, name
	b.Spec.MatchResources.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{testLabel: name}}
	for _, o := range []client.Object{p, b} {
		if err := c.Create(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
}

// newNamespace creates a namespace where the guard installed under name
// applies, with its default ServiceAccount.
func newNamespace(t *testing.T, c client.Client, name string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "guard-", Labels: map[string]string{testLabel: name}}}
	if err := c.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns.Name}}); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// newProfile creates an InjectionProfile.
func newProfile(t *testing.T, c client.Client, ns, name string, sel metav1.LabelSelector, anns map[string]string) *v1alpha1.InjectionProfile {
	t.Helper()
	p := &v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       v1alpha1.InjectionProfileSpec{Selector: sel, Annotations: anns},
	}
	if err := c.Create(t.Context(), p); err != nil {
		t.Fatalf("creating profile %s/%s: %v", ns, name, err)
	}
	return p
}

// waitRefused waits until the API server refuses probe with want: the
// policy, its binding and the profiles created before are in force (the
// API server's informers lag a little, and see profiles in order).
func waitRefused(t *testing.T, c client.Client, probe *corev1.Pod, want string) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), testenv.PollInterval, testenv.WaitTimeout, true, func(ctx context.Context) (bool, error) {
		last = c.Create(ctx, probe.DeepCopy(), client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), want), nil
	})
	if err != nil {
		t.Fatalf("the API server never refused the probe with %q (last create error: %v): %v", want, last, err)
	}
}

// plainPod is a pod of namespace ns with labels, and containers named
// names, each with a command.
func plainPod(ns string, labels map[string]string, names ...string) *corev1.Pod {
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "pod", Namespace: ns, Labels: labels, Annotations: map[string]string{}},
		Spec:       corev1.PodSpec{AutomountServiceAccountToken: ptr.To(false)},
	}
	for _, n := range names {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: n, Image: "busybox:1.36", Command: []string{"sleep", "1d"}})
	}
	return pod
}

// injected is pod as stagehand's webhook injects it with profiles, through
// the offline injector.
func injected(t *testing.T, pod *corev1.Pod, profiles ...v1alpha1.InjectionProfile) *corev1.Pod {
	t.Helper()
	in, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	o := offline.Injector{Injector: inject.New(inject.Options{AgentImage: "registry.example.com/stagehand/agent:test", Version: "test"}), Profiles: profiles}
	var out bytes.Buffer
	if _, err := o.Inject(bytes.NewReader(in), &out); err != nil {
		t.Fatalf("injecting: %v", err)
	}
	var got corev1.Pod
	if err := yaml.UnmarshalStrict(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Annotations[annotations.Status]; !ok {
		t.Fatalf("stagehand injected nothing: %s", out.Bytes())
	}
	return &got
}

// withoutVolume removes volume name, and every mount of it, from pod.
func withoutVolume(pod *corev1.Pod, name string) *corev1.Pod {
	pod = pod.DeepCopy()
	var vols []corev1.Volume
	for _, v := range pod.Spec.Volumes {
		if v.Name != name {
			vols = append(vols, v)
		}
	}
	pod.Spec.Volumes = vols
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			var mounts []corev1.VolumeMount
			for _, m := range cs[i].VolumeMounts {
				if m.Name != name {
					mounts = append(mounts, m)
				}
			}
			cs[i].VolumeMounts = mounts
		}
	}
	return pod
}
