package guard

import (
	"context"
	"errors"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestAPIServer checks the generated CEL where it runs: the API server
// compiles the policy of the table, rejects a broken one, and enforces the
// order of init containers generated for a table with more of them than
// stagehand has today. test/manifests checks the denials of the policy in
// manifests/base against stagehand's own webhook.
func TestAPIServer(t *testing.T) {
	if reason := testenv.SkipReason(); reason != "" {
		t.Skip(reason)
	}
	e, stop, err := testenv.Start(testenv.Options{CRDPaths: []string{crdPath}})
	t.Cleanup(stop)
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := errors.Join(clientgoscheme.AddToScheme(scheme), v1alpha1.AddToScheme(scheme)); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(e.Env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("compiles", func(t *testing.T) {
		p, err := Policy(inject.Injections())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Create(t.Context(), p.DeepCopy(), client.DryRunAll); err != nil {
			t.Fatalf("the API server rejects the guard policy: %v", err)
		}
		if err := c.Create(t.Context(), Binding(), client.DryRunAll); err != nil {
			t.Fatalf("the API server rejects the guard's binding: %v", err)
		}
		refusesBroken(t, c, p, map[string]func(*admissionregistrationv1.ValidatingAdmissionPolicySpec){
			"syntax": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) {
				s.Variables[len(s.Variables)-1].Expression += " &&"
			},
			"undeclared": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) {
				s.Validations[0].Expression = "variables.nowhere == 0"
			},
			"message-not-string": func(s *admissionregistrationv1.ValidatingAdmissionPolicySpec) {
				s.Validations[0].MessageExpression = "size(variables.missingParts)"
			},
		})
		compilesProfileGuard(t, c)
	})
	t.Run("init-order", func(t *testing.T) { testInitOrder(t, c) })
	t.Run("profile-selector", func(t *testing.T) { testProfileSelector(t, c) })
	t.Run("profile-guard", func(t *testing.T) { testProfileGuard(t, c) })
	t.Run("profile-cost", func(t *testing.T) { testProfileCost(t, c) })
}

// refusesBroken checks that the API server refuses each broken variant of
// policy p.
func refusesBroken(t *testing.T, c client.Client, p *admissionregistrationv1.ValidatingAdmissionPolicy, variants map[string]func(*admissionregistrationv1.ValidatingAdmissionPolicySpec)) {
	t.Helper()
	for name, broken := range variants {
		b := p.DeepCopy()
		broken(&b.Spec)
		if err := c.Create(t.Context(), b, client.DryRunAll); !apierrors.IsInvalid(err) {
			t.Errorf("%s: the API server accepted a broken policy (error %v): the check cannot fail", name, err)
		}
	}
}

// testInitOrder installs the policy of a table whose init containers come
// from three injections, two of which add the same one, and checks which
// pods it admits.
func testInitOrder(t *testing.T, c client.Client) {
	ask := func(part string) string { return "'" + annotations.Prefix + part + "' in variables.anns" }
	table := []inject.About{
		{Part: "alpha", Owns: inject.Owned{InitContainers: []string{"shared"}}, Guard: inject.Guard{Asked: ask("alpha")}},
		{Part: "beta", Owns: inject.Owned{InitContainers: []string{"g1", "g2"}}, Guard: inject.Guard{Asked: ask("beta")}},
		{Part: "gamma", Owns: inject.Owned{InitContainers: []string{"shared"}}, Guard: inject.Guard{Asked: ask("gamma")}},
	}
	p, err := Policy(table)
	if err != nil {
		t.Fatal(err)
	}
	// Asks for every part and has no status: denied once enforced.
	probe := podOf("", []string{"alpha", "beta", "gamma"}, nil)
	delete(probe.Annotations, annotations.Status)
	ns := install(t, c, p, "guard-init-order", probe)
	const first = " (stagehand's init containers must come first: shared, g1, then g2)"
	for _, tc := range []struct {
		name  string
		parts []string
		inits []string
		want  string // the denial; "" to admit
	}{
		{"all", []string{"alpha", "beta", "gamma"}, []string{"shared", "g1", "g2", "user"}, ""},
		{"without-alpha", []string{"beta", "gamma"}, []string{"shared", "g1", "g2"}, ""},
		{"only-gamma", []string{"gamma"}, []string{"shared", "user"}, ""},
		{"only-beta", []string{"beta"}, []string{"g1", "g2", "user"}, ""},
		{"swapped", []string{"alpha", "beta"}, []string{"g1", "shared", "g2"}, "init containers shared, g1 were removed or moved after stagehand injected it"},
		{"user-first", []string{"beta", "gamma"}, []string{"user", "shared", "g1", "g2"}, "init containers shared, g1, g2 were removed or moved"},
		{"shared-missing", []string{"gamma"}, []string{"user"}, "init container shared was removed or moved"},
		{"last-missing", []string{"alpha", "beta", "gamma"}, []string{"shared", "g1"}, "init container g2 was removed or moved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Create(t.Context(), podOf(ns, tc.parts, tc.inits), client.DryRunAll)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("denied: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "stagehand guard: "+tc.want) || !strings.Contains(err.Error(), first)):
				t.Errorf("got %v, want the denial %q", err, tc.want+"..."+first)
			}
		})
	}
}

// install creates policy p and its binding under name, and a namespace it
// applies to, and waits until the API server enforces it: until it denies
// probe there.
func install(t *testing.T, c client.Client, p *admissionregistrationv1.ValidatingAdmissionPolicy, name string, probe *corev1.Pod) string {
	t.Helper()
	ctx := t.Context()
	p = p.DeepCopy()
	p.Name = name
	b := Binding()
	b.Name, b.Spec.PolicyName = name, name
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "guard-", Labels: map[string]string{annotations.NamespaceLabel: "enabled"}}}
	for _, o := range []client.Object{p, b, ns} {
		if err := c.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns.Name}}); err != nil {
		t.Fatal(err)
	}
	var last error
	err := wait.PollUntilContextTimeout(ctx, testenv.PollInterval, testenv.WaitTimeout, true, func(ctx context.Context) (bool, error) {
		pod := probe.DeepCopy()
		pod.Namespace = ns.Name
		last = c.Create(ctx, pod, client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), "stagehand guard:"), nil
	})
	if err != nil {
		t.Fatalf("the API server never enforced policy %s (last create error: %v): %v", name, last, err)
	}
	return ns.Name
}

// podOf is a pod asking for parts, injected with them as far as the status
// says, and with init containers inits.
func podOf(ns string, parts, inits []string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pod-", Namespace: ns, Annotations: map[string]string{
			annotations.Status: `{"parts":["` + strings.Join(parts, `","`) + `"]}`,
		}},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false),
			Containers:                   []corev1.Container{{Name: "app", Image: "busybox:1.36"}},
		},
	}
	for _, part := range parts {
		pod.Annotations[annotations.Prefix+part] = "true"
	}
	for _, name := range inits {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{Name: name, Image: "busybox:1.36"})
	}
	return pod
}
