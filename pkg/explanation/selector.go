package explanation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// selectorOf is a webhook's namespaceSelector or objectSelector as the API
// server applies it: nil or empty selects everything.
func selectorOf(s *metav1.LabelSelector) (labels.Selector, error) {
	if s == nil {
		return labels.Everything(), nil
	}
	return metav1.LabelSelectorAsSelector(s)
}

// requirements are the terms of a selector; none for one that selects
// everything.
func requirements(sel labels.Selector) []labels.Requirement {
	reqs, _ := sel.Requirements()
	return reqs
}

// wanted describes the requirements a matching object satisfies by
// carrying a label (k=v, k in (a,b), k), for a line that says it does.
func wanted(sel labels.Selector) string {
	var out []string
	for _, r := range requirements(sel) {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In, selection.Exists:
			out = append(out, r.String())
		}
	}
	return strings.Join(out, ", ")
}

// labelFix is the fix that sets a label (assignment "k=v", overwrite when
// the object has another value) or removes it ("k-").
type labelFix func(assignment string, overwrite bool) string

// unmet describes a requirement that the labels of an object fail, and how
// to meet it. what names the object ("namespace spark").
func unmet(r labels.Requirement, have labels.Set, what string, label labelFix) (text, fix string) {
	key := r.Key()
	value, has := have[key]
	values := r.Values().List()
	switch r.Operator() {
	case selection.Equals, selection.DoubleEquals, selection.In:
		want := key + "=" + values[0]
		if len(values) > 1 {
			want = fmt.Sprintf("%s with one of %s", key, strings.Join(values, ", "))
		}
		if has {
			return fmt.Sprintf("%s has the label %s=%s, not %s", what, key, value, want), label(key+"="+values[0], true)
		}
		return fmt.Sprintf("%s lacks the label %s", what, want), label(key+"="+values[0], false)
	case selection.Exists:
		return fmt.Sprintf("%s lacks the label %s", what, key), label(key+"=", false)
	case selection.NotEquals, selection.NotIn:
		if key == corev1.LabelMetadataName {
			return fmt.Sprintf("%s is excluded by name (%s)", what, r.String()), "stagehand never injects pods there: run the pod in another namespace"
		}
		return fmt.Sprintf("%s has the label %s=%s, which excludes it (%s)", what, key, value, r.String()), label(key+"-", false)
	case selection.DoesNotExist:
		return fmt.Sprintf("%s has the label %s, which excludes it", what, key), label(key+"-", false)
	}
	return fmt.Sprintf("%s does not satisfy %s", what, r.String()), ""
}

// failing are the requirements of sel that the labels have fail.
func failing(sel labels.Selector, have labels.Set) []labels.Requirement {
	var out []labels.Requirement
	for _, r := range requirements(sel) {
		if !r.Matches(have) {
			out = append(out, r)
		}
	}
	return out
}
