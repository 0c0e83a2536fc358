package overlay

import (
	"bytes"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestBuildAndPointWebhooks(t *testing.T) {
	objects, err := Build("../../manifests/base")
	if err != nil {
		t.Fatal(err)
	}
	u := Find(objects, "MutatingWebhookConfiguration", "stagehand")
	if u == nil {
		t.Fatalf("no MutatingWebhookConfiguration stagehand among %d objects", len(objects))
	}
	if err := PointWebhooksAt(u, "https://127.0.0.1:9443", []byte("CA")); err != nil {
		t.Fatal(err)
	}
	var cfg admissionregistrationv1.MutatingWebhookConfiguration
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, w := range cfg.Webhooks {
		cc := w.ClientConfig
		if cc.Service != nil || cc.URL == nil || *cc.URL != "https://127.0.0.1:9443/mutate-v1-pod" || !bytes.Equal(cc.CABundle, []byte("CA")) {
			t.Errorf("webhook %s client config %+v", w.Name, cc)
		}
		if w.NamespaceSelector == nil || len(w.MatchConditions) == 0 {
			t.Errorf("webhook %s lost its selectors", w.Name)
		}
	}
	if Find(objects, "ValidatingAdmissionPolicy", "stagehand-guard") == nil {
		t.Error("the base has no guard policy")
	}
	if _, err := Build("does-not-exist"); err == nil {
		t.Error("building a missing directory succeeded")
	}
}
