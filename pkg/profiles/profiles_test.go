package profiles

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

func profile(ns, name string, sel metav1.LabelSelector, anns map[string]string) v1alpha1.InjectionProfile {
	return v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name), Generation: 2},
		Spec:       v1alpha1.InjectionProfileSpec{Selector: sel, Annotations: anns},
	}
}

func TestSelect(t *testing.T) {
	workers := profile("hivemr3", "mr3-workers", metav1.LabelSelector{MatchLabels: map[string]string{"mr3-pod-role": "container-role"}}, map[string]string{inject.Agent: "true"})
	masters := profile("hivemr3", "mr3-master", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "mr3-pod-role", Operator: metav1.LabelSelectorOpIn, Values: []string{"master-role"}}}}, map[string]string{inject.ServiceAccountToken: "true"})
	everything := profile("spark", "all", metav1.LabelSelector{}, map[string]string{inject.ServiceAccountToken: "true"})
	elsewhere := profile("other", "mr3-workers", metav1.LabelSelector{MatchLabels: map[string]string{"mr3-pod-role": "container-role"}}, map[string]string{inject.Agent: "true"})
	list := []v1alpha1.InjectionProfile{workers, masters, everything, elsewhere}
	worker := map[string]string{"mr3-pod-role": "container-role", "mr3-worker-pod-id": "1"}
	for _, tc := range []struct {
		name, namespace string
		labels          map[string]string
		want            string
	}{
		{"worker", "hivemr3", worker, "mr3-workers"},
		{"master", "hivemr3", map[string]string{"mr3-pod-role": "master-role"}, "mr3-master"},
		{"unselected", "hivemr3", map[string]string{"app": "hiveserver2"}, ""},
		{"no labels", "hivemr3", nil, ""},
		{"{} selects every pod of its namespace", "spark", nil, "all"},
		{"only the pod's namespace", "default", worker, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Select(list, tc.namespace, tc.labels)
			if err != nil {
				t.Fatal(err)
			}
			if name := nameOf(got); name != tc.want {
				t.Fatalf("selected %q, want %q", name, tc.want)
			}
			if got != nil && (got.Generation != 2 || got.UID != "uid-"+tc.want || len(got.Annotations) == 0) {
				t.Errorf("profile %+v does not carry the profile's generation, UID and annotations", got)
			}
		})
	}
	overlap := profile("hivemr3", "also-workers", metav1.LabelSelector{MatchLabels: map[string]string{"mr3-worker-pod-id": "1"}}, map[string]string{inject.Agent: "true"})
	_, err := Select(append(list, overlap), "hivemr3", worker)
	var denied *inject.Denied
	if !errors.As(err, &denied) || denied.Reason != ReasonOverlap {
		t.Fatalf("two profiles selecting one pod: %v, want a denial", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "also-workers, mr3-workers") || !strings.Contains(msg, "hivemr3") {
		t.Errorf("denial %q does not name both profiles and the namespace", msg)
	}
}

func nameOf(p *inject.Profile) string {
	if p == nil {
		return ""
	}
	return p.Name
}

func TestReadValidatesEveryProfile(t *testing.T) {
	in := `apiVersion: stagehand.io/v1alpha1
kind: InjectionProfile
metadata: {name: good}
spec:
  selector: {matchLabels: {mr3-pod-role: container-role}}
  annotations:
    stagehand.io/agent: "true"
---
apiVersion: stagehand.io/v1alpha1
kind: InjectionProfile
metadata: {name: bad, namespace: hivemr3}
spec:
  selector: {matchExpressions: [{key: a, operator: Maybe}]}
  annotations:
    stagehand.io/agentt: "true"
    stagehand.io/token-expiration: "5"
---
apiVersion: stagehand.io/v1alpha1
kind: InjectionProfile
metadata: {name: typo}
spec:
  selektor: {}
  annotations: {stagehand.io/agent: "true"}
---
apiVersion: v1
kind: Pod
metadata: {name: not-a-profile}
---
apiVersion: v1
kind: Namespace
metadata: {name: hivemr3}
`
	list, warnings, err := Read(strings.NewReader(in), "hivemr3", inject.Options{})
	if !slices.Contains(warnings, "document 5: Namespace hivemr3 is not an InjectionProfile: skipped") {
		t.Errorf("warnings %q, want the Namespace skipped", warnings)
	}
	if err == nil {
		t.Fatal("invalid profiles were read without error")
	}
	msg := err.Error()
	for _, want := range []string{
		"InjectionProfile hivemr3/bad:",
		`spec.selector.matchExpressions[0].operator: Invalid value: "Maybe"`,
		"spec.annotations[stagehand.io/agentt]: Invalid value: \"true\": unknown stagehand.io/ annotation; did you mean stagehand.io/agent?",
		"spec.annotations[stagehand.io/token-expiration]: Invalid value: \"5\": out of range",
		`document 3: error unmarshaling JSON: while decoding JSON: json: unknown field "selektor"`,
		`document 4: apiVersion "v1", kind "Pod"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error\n%s\ndoes not contain\n%s", msg, want)
		}
	}
	if len(list) != 1 || list[0].Name != "good" || list[0].Namespace != "hivemr3" {
		t.Errorf("read %+v, want only the valid profile, in namespace hivemr3", list)
	}
}

// TestSelectorSize: a selector stagehand-profile-guard could not evaluate
// within the API server's cost limit is refused, naming the count.
func TestSelectorSize(t *testing.T) {
	p := &v1alpha1.InjectionProfile{Spec: v1alpha1.InjectionProfileSpec{Annotations: map[string]string{inject.Agent: "true"}}}
	p.Spec.Selector.MatchLabels = map[string]string{}
	for i := range MaxSelectorRequirements {
		p.Spec.Selector.MatchLabels[fmt.Sprintf("k%d", i)] = "v"
	}
	if _, errs := Validate(p, inject.Options{}); len(errs) > 0 {
		t.Fatalf("a selector at the bound: %v", errs)
	}
	many := make([]string, MaxSelectorValues+1)
	for i := range many {
		many[i] = fmt.Sprintf("v%d", i)
	}
	p.Spec.Selector.MatchLabels["one-more"] = "v"
	p.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "k", Operator: metav1.LabelSelectorOpIn, Values: many}}
	_, errs := Validate(p, inject.Options{})
	msg := errs.ToAggregate().Error()
	for _, want := range []string{`spec.selector: Invalid value: "258 requirements"`, `spec.selector.matchExpressions: Invalid value: "8193 values in all"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors %s lack %s", msg, want)
		}
	}
}
