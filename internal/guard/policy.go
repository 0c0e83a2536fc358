package guard

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Name names the guard of a pod's own annotations and its binding.
const Name = "stagehand-guard"

// blame ends the messages of what another webhook removed or changed.
const blame = "; another mutating webhook probably changed the pod"

var labels = map[string]string{"app.kubernetes.io/name": "stagehand", "app.kubernetes.io/component": "guard"}

// guard is what differs between stagehand's two guard policies: the one of
// a pod's own annotations, and the one of the annotations a profile gives
// the pods it selects. The rest, derived from the injection table, is the
// same.
type guard struct {
	name string
	// head are the variables before the parts'; they define anns, the
	// annotations that apply, and status, the value of stagehand.io/status.
	head []admissionregistrationv1.Variable
	// comments head variables, by name.
	comments map[string]string
	// targets is the CEL of the names of the containers checked.
	targets string
	// asker names, in messages, what asks for the injections.
	asker asker
	// injected is the first validation: that stagehand injected the pod.
	injected admissionregistrationv1.Validation
	// only, when set, is the CEL that every validation is under: when it
	// is false, the policy refuses nothing.
	only            string
	matchConditions []admissionregistrationv1.MatchCondition
	paramKind       *admissionregistrationv1.ParamKind
}

// asker names, in messages, what asks for the injections.
type asker struct {
	// text names it, when it is the same for every pod.
	text string
	// cel is the CEL of its name, when it depends on the parameters.
	cel string
}

// says is the CEL of the message text before + the asker + after.
func (a asker) says(before, after string) string {
	if a.cel == "" {
		return quote(before + a.text + after)
	}
	return quote(before) + " + " + a.cel + " + " + quote(after)
}

// notOptedOut is the match condition of a pod that did not opt out.
var notOptedOut = admissionregistrationv1.MatchCondition{Name: "not-opted-out", Expression: fmt.Sprintf(`!has(object.metadata.annotations) ||
!(%[1]s in object.metadata.annotations) ||
object.metadata.annotations[%[1]s] != 'false'`, quote(annotations.Inject))}

// ownGuard is the guard of a pod's own annotations: what must be there
// derives from them alone.
func ownGuard() guard {
	return guard{
		name:  Name,
		asker: asker{text: "the pod"},
		head: []admissionregistrationv1.Variable{
			{Name: "anns", Expression: "object.metadata.annotations"},
			{Name: "status", Expression: fmt.Sprintf("%[1]s in variables.anns ? variables.anns[%[1]s] : ''", quote(annotations.Status))},
		},
		// A profile may name the targets, and this policy cannot read it:
		// for a pod a profile selected, it checks no container unless the
		// pod names them itself (stagehand-profile-guard checks them).
		targets: fmt.Sprintf(`%[1]s in variables.anns
? variables.anns[%[1]s].split(',').map(n, n.trim())
: variables.status.contains('"profile":{') ? []
: object.spec.containers.map(c, c.name)`, quote(annotations.Containers)),
		injected: admissionregistrationv1.Validation{Expression: "variables.status != '' || size(variables.expectedParts) == 0", MessageExpression: `'stagehand guard: the pod asks stagehand for ' + variables.expectedParts.join(', ') +
' but has no ` + annotations.Status + ` annotation: the stagehand webhook did not inject it,' +
' or another mutating webhook probably removed the annotation'`},
		matchConditions: []admissionregistrationv1.MatchCondition{
			{Name: "has-stagehand-annotation", Expression: `has(object.metadata.annotations) &&
object.metadata.annotations.exists(k, k.startsWith(` + quote(annotations.Prefix) + `))`},
			notOptedOut,
		},
	}
}

// Policy is the guard policy of the injections, in the order they apply.
func Policy(injections []inject.About) (*admissionregistrationv1.ValidatingAdmissionPolicy, error) {
	p, _, err := policy(injections, ownGuard())
	return p, err
}

// common are the names of the variables every guard defines after the
// parts'.
var common = []string{"targets", "expectedParts", "expectedVolumes", "missingParts", "volumes", "missingVolumes", "inits", "misplacedInits"}

// policy is the guard policy g of the injections, and the comment that
// heads each group of its variables, by the name of the first.
func policy(injections []inject.About, g guard) (*admissionregistrationv1.ValidatingAdmissionPolicy, map[string]string, error) {
	taken := names{}
	for _, v := range g.head {
		if err := taken.add(v.Name); err != nil {
			return nil, nil, err
		}
	}
	for _, fixed := range common {
		if err := taken.add(fixed); err != nil {
			return nil, nil, err
		}
	}
	ps, err := parts(injections, taken)
	if err != nil {
		return nil, nil, err
	}
	vars := slices.Clone(g.head)
	comments := map[string]string{"expectedParts": "What must therefore be there.", "missingParts": "What is wrong."}
	maps.Copy(comments, g.comments)
	if len(ps) > 0 {
		comments[ps[0].ident] = "What the annotations ask for."
	}
	for _, p := range ps {
		vars = append(vars, admissionregistrationv1.Variable{Name: p.ident, Expression: strings.TrimSpace(p.Guard.Asked)})
	}
	vars = append(vars,
		admissionregistrationv1.Variable{Name: "targets", Expression: g.targets},
		admissionregistrationv1.Variable{Name: "expectedParts", Expression: expectedParts(ps)},
		admissionregistrationv1.Variable{Name: "expectedVolumes", Expression: expectedVolumes(ps)},
		admissionregistrationv1.Variable{Name: "missingParts", Expression: `variables.expectedParts.filter(p, !variables.status.contains('"' + p + '"'))`},
		admissionregistrationv1.Variable{Name: "volumes", Expression: "has(object.spec.volumes) ? object.spec.volumes.map(v, v.name) : []"},
		admissionregistrationv1.Variable{Name: "missingVolumes", Expression: "variables.expectedVolumes.filter(v, !(v in variables.volumes))"},
		admissionregistrationv1.Variable{Name: "inits", Expression: "has(object.spec.initContainers) ? object.spec.initContainers.map(c, c.name) : []"},
		admissionregistrationv1.Variable{Name: "misplacedInits", Expression: misplacedInits(inits(ps))},
	)
	validations := []admissionregistrationv1.Validation{
		g.injected,
		{Expression: "size(variables.missingParts) == 0", MessageExpression: `'stagehand guard: ` + annotations.Status + ` does not list ' + variables.missingParts.join(', ') +
` + g.asker.says(", which ", " asks for; another mutating webhook probably changed the pod's annotations after stagehand injected it")},
		{Expression: "size(variables.missingVolumes) == 0", MessageExpression: `'stagehand guard: ' +
` + plural("missingVolumes", "volume ", "volumes ") + ` + variables.missingVolumes.join(', ') +
` + plural("missingVolumes", " was", " were") + ` +
' removed after stagehand injected it` + blame + `'`},
		{Expression: "size(variables.misplacedInits) == 0", MessageExpression: `'stagehand guard: ' +
` + plural("misplacedInits", "init container ", "init containers ") + ` +
variables.misplacedInits.join(', ') +
` + plural("misplacedInits", " was", " were") + ` +
' removed or moved after stagehand injected it` + blame + `'
+ ` + quote(" ("+initsFirst(inits(ps))+")")},
	}
	more, moreVars, err := containerChecks(ps, taken, g.asker)
	if err != nil {
		return nil, nil, err
	}
	vars = append(vars, moreVars...)
	validations = append(validations, more...)
	if g.only != "" {
		for i := range validations {
			validations[i].Expression = under(g.only, validations[i].Expression)
		}
	}
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: g.name, Labels: labels},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			ParamKind:     g.paramKind,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
				},
			}}},
			MatchConditions: g.matchConditions,
			Variables:       vars,
			Validations:     validations,
		},
	}, comments, nil
}

// under is the CEL of "expression holds, or condition does not".
func under(condition, expression string) string {
	if strings.Contains(expression, "?") {
		expression = "(" + expression + ")"
	}
	return "!" + condition + " || " + expression
}

// expectedParts lists the parts the annotations ask for, as the status
// must list them.
func expectedParts(ps []part) string {
	var lists []string
	for _, p := range ps {
		lists = append(lists, fmt.Sprintf("(%s ? %s : [])", p.asked(), list([]string{p.Part})))
	}
	return sum(lists)
}

// expectedVolumes lists the volumes the annotations ask for: those of each
// injection asked for, and those with a condition when it holds too. A
// volume that several injections use is listed once, when any of them
// asks for it.
func expectedVolumes(ps []part) string {
	var (
		names []string
		conds = map[string][]string{}
	)
	for _, p := range ps {
		for _, v := range p.Guard.Volumes {
			cond := p.asked()
			if v.When != "" {
				cond += " && (" + strings.TrimSpace(v.When) + ")"
			}
			if _, seen := conds[v.Name]; !seen {
				names = append(names, v.Name)
			}
			conds[v.Name] = append(conds[v.Name], cond)
		}
	}
	// Consecutive volumes under the same condition share a list.
	var lists []string
	var group []string
	var cond string
	flush := func() {
		if len(group) > 0 {
			lists = append(lists, fmt.Sprintf("(%s ? %s : [])", cond, list(group)))
		}
	}
	for _, name := range names {
		c := or(conds[name])
		if c != cond {
			flush()
			group, cond = nil, c
		}
		group = append(group, name)
	}
	flush()
	return sum(lists)
}

// misplacedInits lists stagehand's init containers that are asked for but
// not where they belong: each comes after those before it that are asked
// for, and before the pod's own.
func misplacedInits(ics []initContainer) string {
	var lists, before []string
	for _, ic := range ics {
		wrong := "size(variables.inits) == 0 || variables.inits[0] != " + quote(ic.name)
		if len(before) > 0 {
			at := strings.Join(before, " + ")
			wrong = fmt.Sprintf("size(variables.inits) <= %[1]s ||\n  variables.inits[%[1]s] != %[2]s", at, quote(ic.name))
		}
		lists = append(lists, fmt.Sprintf("(%s && (%s)\n  ? %s : [])", ic.asked, wrong, list([]string{ic.name})))
		before = append(before, fmt.Sprintf("(%s ? 1 : 0)", ic.asked))
	}
	return sum(lists)
}

// initsFirst says in words where stagehand's init containers belong.
func initsFirst(ics []initContainer) string {
	switch len(ics) {
	case 0:
		return "stagehand adds no init containers"
	case 1:
		return "stagehand's init container " + ics[0].name + " must come first"
	}
	var ns []string
	for _, ic := range ics {
		ns = append(ns, ic.name)
	}
	return "stagehand's init containers must come first: " + strings.Join(ns[:len(ns)-1], ", ") + ", then " + ns[len(ns)-1]
}
