package checkup

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// deployment checks the webhook Deployment: rolled out, every replica
// available. None available fails (pods that ask for stagehand are refused
// then); some fails to warn.
func (r *run) deployment() Result {
	name := r.Namespace + "/" + r.names.deployment
	item := "Deployment " + name
	if r.deploy == nil {
		return r.readProblem(item, item, r.deployErr, r.installHint())
	}
	d := r.deploy
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	found := fmt.Sprintf("%d of %d available, %d updated", s.AvailableReplicas, want, s.UpdatedReplicas)
	if images := imagesOf(d); images != "" {
		found += ", image " + images
	}
	hint := fmt.Sprintf("kubectl -n %s rollout status deployment/%s; kubectl -n %s describe deployment %s; kubectl -n %s logs deployment/%s",
		r.Namespace, d.Name, r.Namespace, d.Name, r.Namespace, d.Name)
	if c := progressing(d); c != "" {
		found += "; " + c
	}
	switch {
	case want == 0:
		return Result{Status: Fail, Item: item, Found: "scaled to 0 replicas: nothing answers the API server",
			Hint: fmt.Sprintf("kubectl -n %s scale deployment/%s --replicas 2", r.Namespace, d.Name)}
	case s.AvailableReplicas == 0:
		return Result{Status: Fail, Item: item, Found: found, Hint: hint}
	case s.ObservedGeneration < d.Generation || s.UpdatedReplicas != want || s.AvailableReplicas != want || s.Replicas != want:
		return Result{Status: Warn, Item: item, Found: found + ": not rolled out", Hint: hint}
	}
	return Result{Status: Pass, Item: item, Found: found}
}

// imagesOf lists the Deployment's container images.
func imagesOf(d *appsv1.Deployment) string {
	var out []string
	for _, c := range d.Spec.Template.Spec.Containers {
		out = append(out, c.Image)
	}
	return strings.Join(out, ", ")
}

// progressing is the Deployment's Progressing or Available condition when
// it is not true: why it does not roll out.
func progressing(d *appsv1.Deployment) string {
	for _, c := range d.Status.Conditions {
		if (c.Type == appsv1.DeploymentProgressing || c.Type == appsv1.DeploymentAvailable) && c.Status != corev1.ConditionTrue {
			return fmt.Sprintf("%s: %s", c.Reason, c.Message)
		}
	}
	return ""
}

// service checks the webhook's Service: it exists and its EndpointSlices
// hold a ready endpoint, which the API server calls.
func (r *run) service(ctx context.Context) Result {
	name := r.Namespace + "/" + r.names.service
	item := "Service " + name
	var svc corev1.Service
	if err := r.get(ctx, r.key(r.names.service), &svc); err != nil {
		return r.readProblem(item, item, err, r.installHint())
	}
	var slices discoveryv1.EndpointSliceList
	err := r.list(ctx, &slices, client.InNamespace(r.Namespace), client.MatchingLabels{discoveryv1.LabelServiceName: svc.Name})
	if err != nil {
		return r.readProblem(item, "the EndpointSlices of Service "+name, err, "")
	}
	var ready []string
	for _, s := range slices.Items {
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			what := strings.Join(ep.Addresses, ",")
			if ep.TargetRef != nil {
				what = ep.TargetRef.Name
			}
			ready = append(ready, what)
		}
	}
	if len(ready) == 0 {
		return Result{Status: Fail, Item: item,
			Found: fmt.Sprintf("no ready endpoint (%d EndpointSlices): the API server cannot reach the webhook", len(slices.Items)),
			Hint: fmt.Sprintf("the webhook's pods must be Ready: kubectl -n %s get pods -l %s; kubectl -n %s get endpointslices -l %s=%s",
				r.Namespace, labels.SelectorFromSet(svc.Spec.Selector), r.Namespace, discoveryv1.LabelServiceName, svc.Name)}
	}
	return Result{Status: Pass, Item: item, Found: fmt.Sprintf("%d ready endpoints: %s", len(ready), listNames(ready, 10))}
}
