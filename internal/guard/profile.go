package guard

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// ProfileName names the guard of the pods an InjectionProfile selects and
// its binding.
const ProfileName = "stagehand-profile-guard"

// profileGuard is the guard of the pods an InjectionProfile selects. Its
// parameters are the InjectionProfiles of the pod's namespace: the API
// server evaluates it once per profile, and what must be there derives
// from that profile's annotations under the pod's own stagehand.io/ ones.
// It refuses nothing of a pod the profile does not select, so the pod's
// own annotations are checked once, by stagehand-guard.
func profileGuard() (guard, error) {
	record, prefix, err := profileRecord()
	if err != nil {
		return guard{}, err
	}
	return guard{
		name:  ProfileName,
		asker: asker{cel: "'the pod with InjectionProfile ' + params.metadata.name"},
		head: []admissionregistrationv1.Variable{
			{Name: "labels", Expression: "has(object.metadata.labels) ? object.metadata.labels : {}"},
			{Name: "selectorMatches", Expression: selectorMatches},
			{Name: "selectorValid", Expression: selectorValid},
			{Name: "selected", Expression: "variables.selectorMatches && variables.selectorValid"},
			{Name: "own", Expression: "has(object.metadata.annotations) ? object.metadata.annotations : {}"},
			{Name: "anns", Expression: fmt.Sprintf(`!variables.selected ? variables.own :
(variables.own.filter(k, k.startsWith(%s)) +
  params.spec.annotations.filter(k, !(k in variables.own)))
.transformMapEntry(i, k, {k: k in variables.own ? variables.own[k] : params.spec.annotations[k]})`, quote(annotations.Prefix))},
			{Name: "status", Expression: fmt.Sprintf("%[1]s in variables.own ? variables.own[%[1]s] : ''", quote(annotations.Status))},
			{Name: "record", Expression: record},
		},
		comments: map[string]string{
			"labels": "Whether the profile selects the pod: its spec.selector as Kubernetes evaluates a label selector; one that Kubernetes cannot parse selects nothing.",
			"own":    "The annotations that apply: the profile's, under the pod's own " + annotations.Prefix + " ones.",
			"status": "What " + annotations.Status + " records, and what it must record of the profile.",
		},
		targets: fmt.Sprintf(`%[1]s in variables.anns
? variables.anns[%[1]s].split(',').map(n, n.trim())
: object.spec.containers.map(c, c.name)`, quote(annotations.Containers)),
		injected: admissionregistrationv1.Validation{
			Expression: "size(variables.expectedParts) == 0 || variables.status.contains(variables.record)",
			MessageExpression: `'stagehand guard: InjectionProfile ' + params.metadata.name +
' selects this pod and, with it, the pod asks stagehand for ' + variables.expectedParts.join(', ') +
'; but stagehand did not inject it with that profile: ' +
(variables.status == ''
  ? 'the pod has no ` + annotations.Status + `. The stagehand webhook did not answer' +
    ' (pods without ` + annotations.Prefix + ` annotations are sent to it with failurePolicy Ignore),' +
    ' or the profile was created or changed while the pod was being created'
  : !variables.status.contains(` + quote(prefix) + `)
  ? '` + annotations.Status + ` records no profile. The profile was created while the pod was being' +
    ' created, or the stagehand webhook runs with profiles turned off'
  : '` + annotations.Status + ` records another profile, or not generation ' +
    string(params.metadata.generation) + ' of this one. The profile was created or changed' +
    ' while the pod was being created') +
'; create the pod again'`,
		},
		only:            "variables.selected",
		matchConditions: []admissionregistrationv1.MatchCondition{notOptedOut},
		paramKind:       &admissionregistrationv1.ParamKind{APIVersion: v1alpha1.GroupVersion.String(), Kind: "InjectionProfile"},
	}, nil
}

// profileRecord is the CEL of what stagehand.io/status records of the
// profile params: the JSON of inject.Status's Profile, as the webhook
// writes it; and what starts the record of any profile.
func profileRecord() (cel, prefix string, err error) {
	field, ok := reflect.TypeFor[inject.Status]().FieldByName("Profile")
	key, _, _ := strings.Cut(field.Tag.Get("json"), ",")
	const name, generation = "PROFILE-NAME", 987654321
	value, err := json.Marshal(inject.ProfileRef{Name: name, Generation: generation})
	if !ok || key == "" || err != nil {
		return "", "", fmt.Errorf("the status's record of a profile: field %v, JSON key %q: %w", ok, key, err)
	}
	record := strconv.Quote(key) + ":" + string(value)
	before, rest, ok1 := strings.Cut(record, name)
	between, after, ok2 := strings.Cut(rest, strconv.Itoa(generation))
	if !ok1 || !ok2 {
		return "", "", fmt.Errorf("the status's record of a profile, %s, does not hold its name and generation", record)
	}
	return quote(before) + " + params.metadata.name + " + quote(between) +
		" + string(params.metadata.generation) + " + quote(after), before, nil
}

// ProfilePolicy is the guard policy of the pods an InjectionProfile
// selects.
func ProfilePolicy(injections []inject.About) (*admissionregistrationv1.ValidatingAdmissionPolicy, error) {
	g, err := profileGuard()
	if err != nil {
		return nil, err
	}
	p, _, err := policy(injections, g)
	return p, err
}

// ProfileBinding binds the profile guard where stagehand's webhook applies,
// with every InjectionProfile of the pod's namespace as its parameters: a
// namespace without profiles is allowed.
func ProfileBinding() *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	b := binding(ProfileName)
	b.Spec.ParamRef = &admissionregistrationv1.ParamRef{
		Selector:                &metav1.LabelSelector{},
		ParameterNotFoundAction: ptr.To(admissionregistrationv1.AllowAction),
	}
	return b
}

// profileBindingHeader heads the profile guard's binding.
const profileBindingHeader = `Where the guard applies, with the InjectionProfiles of the pod's own
namespace as its parameters (paramRef without namespace); a namespace
without profiles is allowed.`

// ProfileFile is manifests/base/validatingadmissionpolicy-profiles.yaml for
// the injections: the profile guard and its binding, with comments.
func ProfileFile(injections []inject.About) ([]byte, error) {
	g, err := profileGuard()
	if err != nil {
		return nil, err
	}
	return render(injections, g, profileHeader(), profileBindingHeader, ProfileBinding())
}
