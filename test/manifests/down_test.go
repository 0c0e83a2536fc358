package manifests

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// downNamespaces makes stagehand's webhook fail every call for the pods of
// some namespaces, as a webhook that is not running: the API server applies
// each entry's failure policy.
type downNamespaces struct{ m sync.Map }

// wrap serves next, except for the namespaces that are down.
func (d *downNamespaces) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var review struct {
			Request struct{ Namespace string } `json:"request"`
		}
		if json.Unmarshal(body, &review) == nil {
			if _, down := d.m.Load(review.Request.Namespace); down {
				http.Error(w, "the webhook is down", http.StatusServiceUnavailable)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// take makes the webhook down for namespace until the test ends.
func (d *downNamespaces) take(t *testing.T, namespace string) {
	d.m.Store(namespace, true)
	t.Cleanup(func() { d.m.Delete(namespace) })
}

// TestWebhookDownWithProfiles: with the webhook down, as installed from
// manifests/base, a pod no profile selects and that carries no stagehand.io/
// annotation is created untouched (the second entry's failurePolicy Ignore);
// a pod a profile selects is refused by stagehand-profile-guard rather than
// started without its injection; a pod with annotations of its own is
// refused by the API server (failurePolicy Fail).
func TestWebhookDownWithProfiles(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, stripNamespaceLabels())
	profile := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stagehand.io/v1alpha1", "kind": "InjectionProfile",
		"metadata": map[string]any{"name": "workers", "namespace": ns},
		"spec": map[string]any{
			"selector":    map[string]any{"matchLabels": map[string]any{"role": "worker"}},
			"annotations": map[string]any{inject.ServiceAccountToken: "true"},
		},
	}}
	if err := s.client.Create(t.Context(), profile); err != nil {
		t.Fatal(err)
	}
	s.waitForProfiles(t, &overlay{objects: []*unstructured.Unstructured{profile}})
	pod := func(name string, labels, anns map[string]string) *corev1.Pod {
		p := agentPod(name, "")
		p.Namespace, p.Labels, p.Annotations = ns, labels, anns
		return p
	}
	// The policy's parameters reach the API server's informer a moment
	// after the webhook's: wait until a selected pod is judged by it.
	s.down.take(t, ns)
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, waitTimeout, true, func(ctx context.Context) (bool, error) {
		last = s.client.Create(ctx, pod("probe", map[string]string{"role": "worker"}, nil), client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), "stagehand-profile-guard"), nil
	})
	if err != nil {
		t.Fatalf("stagehand-profile-guard never refused a selected pod while the webhook was down (last create error: %v)", last)
	}
	err = s.client.Create(t.Context(), pod("selected", map[string]string{"role": "worker"}, nil))
	if err == nil || !containsAll(err.Error(), "stagehand-profile-guard", "InjectionProfile workers selects this pod", "create the pod again") {
		t.Errorf("a selected pod while the webhook is down: %v, want stagehand-profile-guard to refuse it saying why", err)
	}
	unselected := pod("unselected", map[string]string{"role": "driver"}, map[string]string{"example.com/team": "etl"})
	if err := s.client.Create(t.Context(), unselected); err != nil {
		t.Errorf("a pod no profile selects while the webhook is down: %v, want it created", err)
	} else if _, ok := unselected.Annotations["stagehand.io/status"]; ok {
		t.Errorf("the unselected pod was injected: %v", unselected.Annotations)
	}
	err = s.client.Create(t.Context(), pod("own", nil, map[string]string{inject.ServiceAccountToken: "true"}))
	if err == nil || !strings.Contains(err.Error(), `failed calling webhook "pods.stagehand.io"`) {
		t.Errorf("a pod with its own stagehand.io/ annotation while the webhook is down: %v, want the API server to refuse it", err)
	}
}
