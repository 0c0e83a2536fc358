package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// TestDenialEventOnTheController: a pod a controller creates and stagehand
// denies leaves an Event on the controller, where `kubectl describe` of it
// shows why its pods are not created; a dry run leaves none.
func TestDenialEventOnTheController(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	pod := mr3Worker("", map[string]string{inject.Agent: "yes"})
	pod.GenerateName = "hs2-5d8f-"
	pod.Namespace = ns
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "hs2-5d8f", UID: "7c1e7a52-5b0e-4c59-9a47-3d8b1c9a0f11", Controller: ptr.To(true)}}
	dry := pod.DeepCopy()
	if err := s.client.Create(t.Context(), dry, client.DryRunAll); err == nil {
		t.Fatal("the dry run of a pod with an invalid annotation was admitted")
	}
	err := s.client.Create(t.Context(), pod)
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil || status.Status().Details.Name != "hs2-5d8f-" {
		t.Fatalf("create: %v, want a denial whose details name the pod by its generateName (kubectl prints them)", err)
	}
	var found corev1.Event
	eventually(t, "the Event on the ReplicaSet", func(ctx context.Context) (bool, error) {
		var list corev1.EventList
		if err := s.client.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, err
		}
		for _, e := range list.Items {
			if e.InvolvedObject.Kind == "ReplicaSet" && e.InvolvedObject.Name == "hs2-5d8f" && e.Reason == webhook.EventDenied {
				found = e
				return true, nil
			}
		}
		return false, nil
	})
	if found.Type != corev1.EventTypeWarning || found.Source.Component != webhook.EventComponent || found.Count != 1 ||
		!strings.Contains(found.Message, "pod hs2-5d8f-*: stagehand cannot inject this pod") || !strings.Contains(found.Message, inject.Agent) {
		t.Errorf("event %s %s from %s, count %d: %q", found.Type, found.Reason, found.Source.Component, found.Count, found.Message)
	}
}
