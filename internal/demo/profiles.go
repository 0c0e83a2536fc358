package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// applyProfiles creates the objects of dir (the examples' namespace and its
// InjectionProfiles, which the webhook validates) and waits until the
// webhook applies each profile to a new pod it selects: a profile applies
// only to pods created after the webhook has seen it, so the examples come
// after this.
func (d *demo) applyProfiles(ctx context.Context, dir string) error {
	n := d.n
	objects, err := overlay.Build(dir)
	if err != nil {
		return err
	}
	var profiles []v1alpha1.InjectionProfile
	for _, u := range objects {
		if err := d.apply(ctx, u); err != nil {
			return fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		if u.GetKind() != "InjectionProfile" {
			n.line("created %s %s", u.GetKind(), u.GetName())
			continue
		}
		var p v1alpha1.InjectionProfile
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p); err != nil {
			return fmt.Errorf("reading InjectionProfile %s: %w", u.GetName(), err)
		}
		profiles = append(profiles, p)
		n.line("created InjectionProfile %s: pods with %s get %s", p.Name, metav1.FormatLabelSelector(&p.Spec.Selector), shortKeys(p.Spec.Annotations))
	}
	start := time.Now()
	for i := range profiles {
		if err := d.waitForProfile(ctx, &profiles[i]); err != nil {
			return err
		}
	}
	n.done("the webhook applies all %d profiles to pods created from now on (%v after they were created)", len(profiles), time.Since(start).Round(time.Millisecond))
	return nil
}

// waitForProfile dry-runs the creation of a pod the profile selects until
// the webhook injects it because of the profile.
func (d *demo) waitForProfile(ctx context.Context, p *v1alpha1.InjectionProfile) error {
	if len(p.Spec.Selector.MatchExpressions) > 0 {
		return fmt.Errorf("InjectionProfile %s: the demo makes pods for selectors of matchLabels only", p.Name)
	}
	var last error
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "profile-probe", Namespace: p.Namespace, Labels: p.Spec.Selector.MatchLabels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "probe", Image: "busybox:1.36", Command: []string{"true"},
			}}},
		}
		if last = d.c.Client.Create(ctx, pod, client.DryRunAll); last != nil {
			return false, nil
		}
		st, ok := inject.ParseStatus(pod.Annotations[annotations.Status])
		return ok && st.Profile != nil && st.Profile.Name == p.Name, nil
	})
	if err != nil {
		return fmt.Errorf("the webhook never applied InjectionProfile %s to a pod it selects (last error: %v): %w", p.Name, last, err)
	}
	return nil
}

// shortKeys lists the keys of stagehand.io/ annotations without the
// prefix, sorted.
func shortKeys(anns map[string]string) string {
	keys := annotations.OwnKeys(anns)
	for i, k := range keys {
		keys[i] = strings.TrimPrefix(k, annotations.Prefix)
	}
	return strings.Join(keys, ", ")
}
