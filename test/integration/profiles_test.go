package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// crdPath is the InjectionProfile CRD, generated into manifests/base/crd.
const crdPath = "../../manifests/base/crd"

// TestProfilesReachTheCache: the CRD installs from manifests/base/crd and
// its schema refuses a profile without annotations; a profile that is
// created, changed and deleted reaches a controller-runtime cache, the
// webhook's profiles.Cached source, within a second (the figure is
// logged).
func TestProfilesReachTheCache(t *testing.T) {
	s := env(t)
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cfg := s.Env.Env.Config
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	watch, err := cache.New(cfg, cache.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.GetInformer(ctx, &v1alpha1.InjectionProfile{}); err != nil {
		t.Fatal(err)
	}
	go func() { _ = watch.Start(ctx) }()
	if !watch.WaitForCacheSync(ctx) {
		t.Fatal("the cache did not sync")
	}
	source := profiles.Cached{Reader: watch}
	ns := s.newNamespace(t, nil)

	empty := &v1alpha1.InjectionProfile{ObjectMeta: metav1.ObjectMeta{Name: "empty", Namespace: ns}}
	if err := c.Create(ctx, empty); err == nil || !strings.Contains(err.Error(), "spec.annotations") {
		t.Errorf("a profile without annotations: %v, want the CRD's schema to refuse it", err)
	}

	p := &v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "mr3-workers", Namespace: ns},
		Spec: v1alpha1.InjectionProfileSpec{
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"mr3-pod-role": "container-role"}},
			Annotations: map[string]string{inject.ServiceAccountToken: "true"},
		},
	}
	seen := func(what string, ok func([]v1alpha1.InjectionProfile) bool) {
		t.Helper()
		start := time.Now()
		err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, time.Second, true, func(context.Context) (bool, error) {
			list, err := source.InjectionProfiles(ns)
			return err == nil && ok(list), err
		})
		if err != nil {
			t.Fatalf("the cache did not see the profile %s within a second: %v", what, err)
		}
		t.Logf("RELIABILITY profile-propagation change=%s after=%s", what, time.Since(start).Round(time.Millisecond))
	}
	if err := c.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	seen("created", func(l []v1alpha1.InjectionProfile) bool { return len(l) == 1 && l[0].Name == "mr3-workers" })
	p.Spec.Annotations = map[string]string{inject.Agent: "true"}
	if err := c.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	seen("updated", func(l []v1alpha1.InjectionProfile) bool {
		return len(l) == 1 && l[0].Generation == 2 && l[0].Spec.Annotations[inject.Agent] == "true"
	})
	if err := c.Delete(ctx, p); err != nil {
		t.Fatal(err)
	}
	seen("deleted", func(l []v1alpha1.InjectionProfile) bool { return len(l) == 0 })
}
