package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/explanation"
	"github.com/stagehand-k8s/stagehand/pkg/installation"
)

// explainPod explains a pod of the cluster, in l's namespace.
func explainPod(ctx context.Context, l *live, name string, stdout, stderr io.Writer) error {
	var pod corev1.Pod
	if err := l.reader.Get(ctx, client.ObjectKey{Namespace: l.namespace, Name: name}, &pod); err != nil {
		return fmt.Errorf("explain: reading pod %s/%s: %w", l.namespace, name, err)
	}
	raw, err := json.Marshal(&pod)
	if err != nil {
		return fmt.Errorf("explain: encoding pod %s/%s: %w", l.namespace, name, err)
	}
	nc, err := (namespaces{}).of(ctx, l, l.namespace)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	in := l.input(explanation.Pod{Object: fmt.Sprintf("Pod %q", name), Namespace: l.namespace, JSON: raw, Created: true}, nc)
	owner := controllerOf(&pod)
	if owner != nil {
		anns, err := l.ownerAnnotations(ctx, owner)
		if err != nil {
			fmt.Fprintf(stderr, "note: %s %s not read: %v\n", owner.Kind, owner.Name, err)
		}
		in.Pod.Misplaced = explanation.MisplacedOn(owner.Kind, owner.Name, anns)
	}
	in.Events, err = l.events(ctx, &pod, owner)
	switch {
	case errors.Is(err, errEventsForbidden):
		fmt.Fprintln(stderr, "note:", err)
	case err != nil:
		return fmt.Errorf("explain: %w", err)
	}
	e, err := explanation.Explain(in)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	var b strings.Builder
	b.WriteString(l.summary() + "\n\n")
	if err := e.Write(&b); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// errEventsForbidden: the user may not list Events; the explanation goes
// without them.
var errEventsForbidden = errors.New("you may not list Events: stagehand's Events are not shown")

// controllerOf is the pod's controller, else its first owner; nil for none
// (as the webhook picks where to record its Events).
func controllerOf(pod *corev1.Pod) *metav1.OwnerReference {
	if c := metav1.GetControllerOf(pod); c != nil {
		return c
	}
	if len(pod.OwnerReferences) > 0 {
		return &pod.OwnerReferences[0]
	}
	return nil
}

// ownerAnnotations are the annotations of the pod's owner; none when it
// is gone.
func (l *live) ownerAnnotations(ctx context.Context, owner *metav1.OwnerReference) (map[string]string, error) {
	m := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: owner.APIVersion, Kind: owner.Kind}}
	err := l.reader.Get(ctx, client.ObjectKey{Namespace: l.namespace, Name: owner.Name}, m)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return m.Annotations, err
}

// events are the Events about the pod and its owner.
func (l *live) events(ctx context.Context, pod *corev1.Pod, owner *metav1.OwnerReference) ([]corev1.Event, error) {
	objects := [][2]string{{"Pod", pod.Name}}
	if owner != nil {
		objects = append(objects, [2]string{owner.Kind, owner.Name})
	}
	var all []corev1.Event
	for _, o := range objects {
		var list corev1.EventList
		err := l.reader.List(ctx, &list, client.InNamespace(pod.Namespace),
			client.MatchingFields{"involvedObject.kind": o[0], "involvedObject.name": o[1]})
		if apierrors.IsForbidden(err) {
			return nil, errEventsForbidden
		}
		if err != nil {
			return nil, fmt.Errorf("listing the Events of %s %s: %w", o[0], o[1], err)
		}
		all = append(all, list.Items...)
	}
	return all, nil
}

// namespaceContext is what an explanation reads of a namespace.
type namespaceContext struct {
	// namespace is nil when it does not exist, or no cluster was reached.
	namespace *corev1.Namespace
	profiles  []v1alpha1.InjectionProfile
	// namespaceUnread and profilesUnread say why they were not read: the
	// user may not.
	namespaceUnread, profilesUnread string
}

// namespaces reads each namespace once.
type namespaces map[string]*namespaceContext

func (n namespaces) of(ctx context.Context, l *live, name string) (*namespaceContext, error) {
	if nc, ok := n[name]; ok {
		return nc, nil
	}
	nc := &namespaceContext{}
	n[name] = nc
	if l.reader == nil {
		return nc, nil
	}
	var ns corev1.Namespace
	err := l.reader.Get(ctx, client.ObjectKey{Name: name}, &ns)
	switch {
	case apierrors.IsNotFound(err):
	case apierrors.IsForbidden(err):
		nc.namespaceUnread = "you may not read it"
	case err != nil:
		return nil, fmt.Errorf("reading namespace %s: %w", name, err)
	default:
		nc.namespace = &ns
	}
	nc.profiles, err = installation.Profiles(ctx, l.reader, name)
	switch {
	case apierrors.IsForbidden(err):
		nc.profilesUnread = "you may not list them"
	case err != nil:
		return nil, err
	}
	return nc, nil
}
