package webhook

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
)

// Reasons of the Events the webhook emits.
const (
	// EventDenied: a pod was denied; the message says why.
	EventDenied = "StagehandDenied"
	// EventWarning: a pod was admitted with warnings, which only kubectl
	// users see otherwise.
	EventWarning = "StagehandWarning"
)

// Events records Events where the creator of a pod looks: on the pod's
// controller (its ReplicaSet, Job, or the MR3 DAGAppMaster pod that owns
// it), else on the pod. A controller's pods never show their creator the
// admission's denial or warnings; `kubectl describe` of the owner and
// `kubectl get events` do. Recording never waits: client-go's recorder
// queues, aggregates similar Events and rate-limits each object, and drops
// what does not fit.
type Events struct {
	Recorder record.EventRecorder
}

// record emits one Event about the request's pod (its names decoded by the
// caller, once for the log line, the denial and the Event), unless the request is a
// dry run (the API server persists nothing, and the webhook declares no
// side effects on dry runs).
func (e *Events) record(rv *review, pod *podNames, reason, message string) {
	if e == nil || e.Recorder == nil || rv.dryRun {
		return
	}
	namespace := rv.text(rv.namespace)
	ref := &corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: namespace, Name: pod.name()}
	if owner := controllerOf(pod.Metadata.OwnerReferences); owner != nil {
		ref = &corev1.ObjectReference{Kind: owner.Kind, APIVersion: owner.APIVersion, Namespace: namespace, Name: owner.Name, UID: owner.UID}
		message = "pod " + eventName(pod) + ": " + message
	}
	if ref.Name == "" {
		return
	}
	e.Recorder.Event(ref, corev1.EventTypeWarning, reason, message)
}

// controllerOf is the owner that is the pod's controller, else its first
// owner; nil when it has none.
func controllerOf(owners []metav1.OwnerReference) *metav1.OwnerReference {
	for i := range owners {
		if owners[i].Controller != nil && *owners[i].Controller {
			return &owners[i]
		}
	}
	if len(owners) > 0 {
		return &owners[0]
	}
	return nil
}

// eventName is the pod's name, or the prefix of the name to be generated
// followed by "*".
func eventName(pod *podNames) string {
	if pod.Metadata.Name != "" {
		return pod.Metadata.Name
	}
	return pod.Metadata.GenerateName + "*"
}

// warningsMessage joins warnings into one Event message.
func warningsMessage(warnings []string) string { return strings.Join(warnings, "; ") }
