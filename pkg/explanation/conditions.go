package explanation

import (
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/stagehand-k8s/stagehand/manifests"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// The shipped match conditions, by name, evaluated in Go: a pod carries a
// stagehand.io/ key of its own (any but stagehand.io/status), or it does
// not. A cluster's condition is evaluated only when its expression is the
// shipped one of that name; TestShippedConditions keeps these in step with
// manifests/base.
var evaluators = map[string]func(ownKeys bool) bool{
	"has-stagehand-annotation": func(own bool) bool { return own },
	"no-stagehand-annotation":  func(own bool) bool { return !own },
}

// shippedConditions are the expressions of the shipped match conditions,
// by name.
func shippedConditions() (map[string]string, error) {
	mwc, err := manifests.MutatingWebhookConfiguration()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, h := range mwc.Webhooks {
		for _, c := range h.MatchConditions {
			out[c.Name] = normalize(c.Expression)
		}
	}
	return out, nil
}

// normalize folds white space, so that an expression written over several
// lines (the chart's, a YAML block) compares equal to the same on one.
func normalize(expr string) string { return strings.Join(strings.Fields(expr), " ") }

// hasOwnKeys is what the shipped conditions test: a stagehand.io/ key
// other than stagehand.io/status.
func hasOwnKeys(anns map[string]string) bool { return len(annotations.OwnKeys(anns)) > 0 }

// conditions is the evaluation of an entry's match conditions: whether
// those evaluated all hold, and those that were changed from the shipped
// ones and are not evaluated.
type conditions struct {
	hold      bool
	changed   []admissionregistrationv1.MatchCondition
	evaluated int
}

func evaluate(conds []admissionregistrationv1.MatchCondition, shipped map[string]string, own bool) conditions {
	c := conditions{hold: true}
	for _, mc := range conds {
		eval, known := evaluators[mc.Name]
		if !known || shipped[mc.Name] != normalize(mc.Expression) {
			c.changed = append(c.changed, mc)
			continue
		}
		c.evaluated++
		if !eval(own) {
			c.hold = false
		}
	}
	return c
}
