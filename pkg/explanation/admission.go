package explanation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// entry is what one webhook of the configuration makes of the pod.
type entry struct {
	hook          *admissionregistrationv1.MutatingWebhook
	nsSel, objSel labels.Selector
	nsOK, objOK   bool
	rulesOK       bool
	cond          conditions
}

// byConditions: the pod reaches the entry whatever its namespace.
func (e *entry) byConditions() bool { return e.rulesOK && e.objOK && e.cond.hold }

func (e *entry) policy() admissionregistrationv1.FailurePolicyType {
	if e.hook.FailurePolicy == nil {
		return admissionregistrationv1.Fail // the API's default
	}
	return *e.hook.FailurePolicy
}

// admission explains which entries of the webhook configuration the pod
// reaches: its namespace, its labels, its match conditions.
func (x *explainer) admission() error {
	mwc := x.in.Webhooks
	if mwc == nil {
		x.blocked = "the MutatingWebhookConfiguration stagehand does not exist: no pod reaches stagehand"
		x.add(Fail, `install stagehand (README.md, "Install")`, "%s", x.blocked)
		return nil
	}
	shipped, err := shippedConditions()
	if err != nil {
		return err
	}
	entries := make([]*entry, len(mwc.Webhooks))
	for i := range mwc.Webhooks {
		h := &mwc.Webhooks[i]
		e := &entry{hook: h, rulesOK: coversPodCreate(h.Rules), cond: evaluate(h.MatchConditions, shipped, x.own)}
		if e.nsSel, err = selectorOf(h.NamespaceSelector); err == nil {
			e.objSel, err = selectorOf(h.ObjectSelector)
		}
		if err != nil {
			return fmt.Errorf("webhook %s: %w", h.Name, err)
		}
		e.objOK = e.objSel.Matches(labels.Set(x.meta.Metadata.Labels))
		entries[i] = e
	}
	x.namespace(entries)
	x.objectSelectors(entries)
	x.entries(entries)
	return nil
}

// namespace explains whether the pod's namespace is selected.
func (x *explainer) namespace(entries []*entry) {
	ns := x.in.Pod.Namespace
	switch why := x.unread(x.in.NamespaceUnread); {
	case why != "":
		for _, e := range entries {
			e.nsOK = true
		}
		x.add(Info, "", "namespace %s not checked: %s (stagehand sees pods of namespaces labelled %s=%s)", ns, why, annotations.NamespaceLabel, annotations.NamespaceLabelEnabled)
		return
	case x.in.Namespace == nil:
		x.blocked = fmt.Sprintf("namespace %s does not exist", ns)
		x.add(Fail, fmt.Sprintf("kubectl create namespace %s && kubectl label namespace %s %s=%s", ns, ns, annotations.NamespaceLabel, annotations.NamespaceLabelEnabled), "%s", x.blocked)
		return
	}
	have := labels.Set(x.in.Namespace.Labels)
	label := func(assignment string, overwrite bool) string {
		fix := fmt.Sprintf("kubectl label namespace %s %s", ns, assignment)
		if overwrite {
			fix += " --overwrite"
		}
		return fix
	}
	var first string
	for _, group := range groupBy(entries, func(e *entry) labels.Selector { return e.nsSel }) {
		names := hookNames(group)
		fails := failing(group[0].nsSel, have)
		if len(fails) == 0 {
			for _, e := range group {
				e.nsOK = true
			}
			x.add(Pass, "", "namespace %s matches the namespaceSelector of %s%s", ns, names, parenthesized(wanted(group[0].nsSel)))
			continue
		}
		for _, r := range fails {
			text, fix := unmet(r, have, "namespace "+ns, label)
			first = cmp.Or(first, text)
			x.add(Fail, fix, "%s: %s not select it", text, doesOrDo(names, len(group)))
		}
	}
	if !slices.ContainsFunc(entries, func(e *entry) bool { return e.nsOK }) {
		x.blocked = first
	}
}

// objectSelectors explains the entries' objectSelectors, when any has one.
func (x *explainer) objectSelectors(entries []*entry) {
	if !slices.ContainsFunc(entries, func(e *entry) bool { return !e.objSel.Empty() }) {
		return
	}
	have := labels.Set(x.meta.Metadata.Labels)
	label := func(assignment string, _ bool) string {
		if key, ok := strings.CutSuffix(assignment, "-"); ok {
			return "remove the label " + key + " from the pod's labels"
		}
		return "give the pod the label " + assignment
	}
	for _, group := range groupBy(entries, func(e *entry) labels.Selector { return e.objSel }) {
		if group[0].objSel.Empty() {
			continue
		}
		names := hookNames(group)
		fails := failing(group[0].objSel, have)
		if len(fails) == 0 {
			x.add(Pass, "", "the pod matches the objectSelector of %s%s", names, parenthesized(wanted(group[0].objSel)))
			continue
		}
		for _, r := range fails {
			text, fix := unmet(r, have, "the pod", label)
			x.add(Fail, fix, "%s: the objectSelector of %s does not select it", text, names)
		}
	}
}

// entries explains which entry the pod reaches by its match conditions.
func (x *explainer) entries(entries []*entry) {
	for _, e := range entries {
		if !e.rulesOK {
			x.add(Warn, "", "%s does not see pods created: its rules were changed from the shipped ones", e.hook.Name)
		}
		for _, mc := range e.cond.changed {
			x.add(Warn, "", "%s: match condition %s changed from the shipped one, not evaluated: %s", e.hook.Name, mc.Name, normalize(mc.Expression))
		}
	}
	var candidates []*entry
	for _, e := range entries {
		if e.byConditions() {
			candidates = append(candidates, e)
		}
	}
	for _, e := range candidates {
		if e.nsOK {
			x.reached = append(x.reached, e.hook)
			x.uncertain = x.uncertain || len(e.cond.changed) > 0
		}
	}
	switch {
	case x.blocked != "" && len(candidates) > 0:
		x.add(Info, "", "by its labels and match conditions it would reach %s (failurePolicy %s) once its namespace is selected", candidates[0].hook.Name, candidates[0].policy())
	case x.blocked != "":
	case len(x.reached) == 0:
		x.blocked = "it matches no entry of the MutatingWebhookConfiguration stagehand"
		x.add(Fail, "", "%s", x.blocked)
	}
	for _, e := range candidates {
		if e.nsOK {
			x.add(Pass, "", "it reaches %s (failurePolicy %s): %s", e.hook.Name, e.policy(), x.why(e))
		}
	}
}

// why the pod reaches an entry.
func (x *explainer) why(e *entry) string {
	switch {
	case len(e.cond.changed) > 0:
		return "if its changed match conditions hold"
	case e.cond.evaluated == 0:
		return "it has no match conditions"
	case x.own:
		return "it carries stagehand.io/ keys of its own"
	case e.policy() == admissionregistrationv1.Ignore:
		return "it carries no stagehand.io/ key of its own (stagehand.io/status does not count); while the webhook is down, such a pod is created without injection"
	}
	return "it carries no stagehand.io/ key of its own (stagehand.io/status does not count)"
}

// coversPodCreate tells whether rules send the creation of pods.
func coversPodCreate(rules []admissionregistrationv1.RuleWithOperations) bool {
	any := func(list []string, want ...string) bool {
		return slices.ContainsFunc(list, func(s string) bool { return slices.Contains(want, s) })
	}
	for _, r := range rules {
		if any(toStrings(r.Operations), "CREATE", "*") && any(r.APIGroups, "", "*") &&
			any(r.APIVersions, "v1", "*") && any(r.Resources, "pods", "*", "*/*") {
			return true
		}
	}
	return false
}

func toStrings(ops []admissionregistrationv1.OperationType) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = string(o)
	}
	return out
}

// groupBy groups entries with equal selectors, in order.
func groupBy(entries []*entry, sel func(*entry) labels.Selector) [][]*entry {
	var groups [][]*entry
	for _, e := range entries {
		i := slices.IndexFunc(groups, func(g []*entry) bool { return sel(g[0]).String() == sel(e).String() })
		if i < 0 {
			groups = append(groups, []*entry{e})
			continue
		}
		groups[i] = append(groups[i], e)
	}
	return groups
}

func hookNames(group []*entry) string {
	names := make([]string, len(group))
	for i, e := range group {
		names[i] = e.hook.Name
	}
	return strings.Join(names, " and ")
}

func doesOrDo(names string, n int) string {
	if n == 1 {
		return names + " does"
	}
	return names + " do"
}

func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
