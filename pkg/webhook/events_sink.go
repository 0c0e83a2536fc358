package webhook

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
)

// EventComponent is the source of the webhook's Events.
const EventComponent = "stagehand-webhook"

// NewEvents returns Events that client-go's broadcaster sends to the API
// server of cluster (RBAC: create and patch events), and the function that
// stops it. Recording is asynchronous: admission never waits for it.
func NewEvents(cluster *rest.Config) (*Events, func(), error) {
	client, err := corev1client.NewForConfig(cluster)
	if err != nil {
		return nil, nil, err
	}
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&corev1client.EventSinkImpl{Interface: client.Events("")})
	return &Events{Recorder: b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: EventComponent})}, b.Shutdown, nil
}
