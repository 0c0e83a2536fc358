package checkup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const itemNamespaces = "opted-in namespaces"

// maxNamespaces is how many opted-in namespaces the report names.
const maxNamespaces = 20

// namespaces lists the namespaces the live MutatingWebhookConfiguration's
// namespaceSelectors select, and warns when there are none: stagehand then
// injects nothing.
func (r *run) namespaces(ctx context.Context) Result {
	if r.mwc == nil && !apierrors.IsNotFound(r.mwcErr) {
		return r.readProblem(itemNamespaces, "MutatingWebhookConfiguration "+r.names.mutating, r.mwcErr, "")
	}
	if r.mwc == nil {
		return Result{Status: Skip, Item: itemNamespaces,
			Found: "not checked: no MutatingWebhookConfiguration " + r.names.mutating + " to read the namespace selector from"}
	}
	var selected, shown []string
	var first *metav1.LabelSelector
	for _, w := range r.mwc.Webhooks {
		sel, err := metav1.LabelSelectorAsSelector(w.NamespaceSelector)
		if err != nil {
			return Result{Status: Fail, Item: itemNamespaces, Found: fmt.Sprintf("webhook %s: namespaceSelector: %v", w.Name, err),
				Hint: r.installHint()}
		}
		if slices.Contains(shown, sel.String()) {
			continue
		}
		shown = append(shown, sel.String())
		if first == nil {
			first = w.NamespaceSelector
		}
		var list corev1.NamespaceList
		if err := r.list(ctx, &list, client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return r.readProblem(itemNamespaces, "namespaces", err, "")
		}
		for _, ns := range list.Items {
			if !slices.Contains(selected, ns.Name) {
				selected = append(selected, ns.Name)
			}
		}
	}
	slices.Sort(selected)
	by := "namespaceSelector " + strings.Join(shown, " or ")
	if len(selected) == 0 {
		return Result{Status: Warn, Item: itemNamespaces, Found: "none: no namespace matches the webhook's " + by + ", so stagehand injects nothing",
			Hint: optInHint(first)}
	}
	return Result{Status: Pass, Item: itemNamespaces, Found: fmt.Sprintf("%d by the webhook's %s: %s", len(selected), by, listNames(selected, maxNamespaces))}
}

// optInHint is the command that opts a namespace in under selector.
func optInHint(selector *metav1.LabelSelector) string {
	if selector == nil || len(selector.MatchLabels) == 0 {
		return "label a namespace so that it matches the selector"
	}
	var labels []string
	for k, v := range selector.MatchLabels {
		labels = append(labels, k+"="+v)
	}
	slices.Sort(labels)
	return "kubectl label namespace NAME " + strings.Join(labels, " ")
}
