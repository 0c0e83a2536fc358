package checkup

import (
	"context"
	"fmt"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// guards checks each guard ValidatingAdmissionPolicy: it exists and every
// binding of it denies (a binding that only warns or audits lets through
// the pods the guard is there to refuse), and at least one binds it.
func (r *run) guards(ctx context.Context) []Result {
	var bindings admissionregistrationv1.ValidatingAdmissionPolicyBindingList
	listErr := r.list(ctx, &bindings)
	var out []Result
	for _, name := range r.names.policies {
		item := "ValidatingAdmissionPolicy " + name
		var p admissionregistrationv1.ValidatingAdmissionPolicy
		if err := r.get(ctx, client.ObjectKey{Name: name}, &p); err != nil {
			out = append(out, r.readProblem(item, item, err, r.installHint()))
			continue
		}
		if listErr != nil {
			out = append(out, r.readProblem(item, "ValidatingAdmissionPolicyBindings", listErr, r.installHint()))
			continue
		}
		out = append(out, r.bound(item, name, bindings.Items))
	}
	return out
}

// bound is the result of a policy by its bindings.
func (r *run) bound(item, policy string, all []admissionregistrationv1.ValidatingAdmissionPolicyBinding) Result {
	var names []string
	for _, b := range all {
		if b.Spec.PolicyName != policy {
			continue
		}
		names = append(names, b.Name)
		if !slices.Contains(b.Spec.ValidationActions, admissionregistrationv1.Deny) {
			return Result{Status: Fail, Item: item,
				Found: fmt.Sprintf("binding %s has validationActions %v, without Deny: the pods the guard should refuse are admitted", b.Name, b.Spec.ValidationActions),
				Hint:  fmt.Sprintf(`kubectl patch validatingadmissionpolicybinding %s --type merge -p '{"spec":{"validationActions":["Deny"]}}'`, b.Name)}
		}
	}
	if len(names) == 0 {
		return Result{Status: Fail, Item: item, Found: "no ValidatingAdmissionPolicyBinding binds it: it refuses nothing", Hint: r.installHint()}
	}
	return Result{Status: Pass, Item: item, Found: fmt.Sprintf("bound by %s with validationActions including Deny", listNames(names, 5))}
}
