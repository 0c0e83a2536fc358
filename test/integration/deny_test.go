package integration

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestInvalidPodDeniedWithEveryProblem proves that a pod with several bad
// annotations is denied once, with every problem named: the key, the value
// and what is valid, as a 422 Invalid with one cause per field.
func TestInvalidPodDeniedWithEveryProblem(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)

	pod := mr3Worker("invalid", map[string]string{
		inject.ServiceAccountToken: "true",
		inject.TokenExpiration:     "10",
		inject.ATSSecret:           "Bad_Name",
	})
	pod.Namespace = ns
	err := s.client.Create(t.Context(), pod)
	if err == nil {
		t.Fatal("creating a pod with invalid stagehand.io/ annotations succeeded")
	}
	msg := err.Error()
	t.Logf("denial: %s", msg)
	for _, want := range []string{
		`admission webhook "pods.stagehand.io" denied the request`,
		inject.TokenExpiration, `"10"`, "from 600 to 86400",
		inject.ATSSecret, `"Bad_Name"`, "DNS subdomain",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("denial does not mention %q:\n%s", want, msg)
		}
	}
	if !apierrors.IsInvalid(err) {
		t.Errorf("denial is %v (reason %q), want 422 Invalid", err, apierrors.ReasonForError(err))
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		var fields []string
		if d := status.Status().Details; d != nil {
			for _, c := range d.Causes {
				fields = append(fields, c.Field)
			}
		}
		slices.Sort(fields)
		want := []string{"metadata.annotations[stagehand.io/ats-secret]", "metadata.annotations[stagehand.io/token-expiration]"}
		if !slices.Equal(fields, want) {
			t.Errorf("causes name fields %v, want %v", fields, want)
		}
	}

	var stored corev1.Pod
	if err := s.client.Get(t.Context(), client.ObjectKeyFromObject(pod), &stored); !apierrors.IsNotFound(err) {
		t.Errorf("reading the denied pod gave %v, want NotFound", err)
	}
	calls := s.calls.in(ns)
	if len(calls) != 1 || calls[0].Allowed {
		t.Errorf("webhook calls %+v, want exactly one denial", calls)
	}
}
