package guard

import (
	"math/rand/v2"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// The selectors and labels of the differential test: few keys and values,
// so that requirements often hold and often not.
var (
	selectorKeys   = []string{"a", "b", "c", "example.com/d"}
	selectorValues = []string{"x", "y", "z", ""}
	operators      = []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}
)

// testProfileSelector: the profile guard selects a pod exactly when
// k8s.io/apimachinery's LabelSelectorAsSelector does, for random selectors
// (matchLabels, every operator, empty ones and ones Kubernetes cannot
// parse, which select nothing) and random labels: each selector is the only profile of its
// namespace, asking for the agent, and each pod, without a status, is
// refused exactly when the Go selector selects it.
func testProfileSelector(t *testing.T, c client.Client) {
	const (
		name      = "guard-profile-selector"
		selectors = 200
		pods      = 4 // per selector
		seed      = 13
	)
	installProfileGuard(t, c, name)
	rng := rand.New(rand.NewPCG(seed, 0))
	type profiled struct {
		ns  string
		sel metav1.LabelSelector
	}
	cases := make([]profiled, selectors)
	for i := range cases {
		cases[i] = profiled{ns: newNamespace(t, c, name), sel: randomSelector(rng, i)}
		newProfile(t, c, cases[i].ns, "p", cases[i].sel, map[string]string{inject.Agent: "true"})
	}
	last := newNamespace(t, c, name)
	newProfile(t, c, last, "last", metav1.LabelSelector{MatchLabels: map[string]string{"probe": "yes"}}, map[string]string{inject.Agent: "true"})
	waitRefused(t, c, plainPod(last, map[string]string{"probe": "yes"}, "app"), "InjectionProfile last selects this pod")

	var selected, unselected, invalid int
	for _, tc := range cases {
		goSelector, err := metav1.LabelSelectorAsSelector(&tc.sel)
		if err != nil {
			invalid++
		}
		for range pods {
			podLabels := randomLabels(rng, &tc.sel)
			want := err == nil && goSelector.Matches(k8slabels.Set(podLabels))
			if want {
				selected++
			} else {
				unselected++
			}
			pod := plainPod(tc.ns, podLabels, "app")
			pod.Name = ""
			pod.GenerateName = "pod-"
			got := c.Create(t.Context(), pod, client.DryRunAll)
			refused := got != nil && strings.Contains(got.Error(), "stagehand guard: InjectionProfile p selects this pod")
			switch {
			case got != nil && !refused:
				t.Errorf("selector %v, labels %v: %v", tc.sel.String(), podLabels, got)
			case refused != want:
				t.Errorf("selector %v (Go: %v), labels %v: the guard selects %v, Go's selector %v", tc.sel.String(), goSelector, podLabels, refused, want)
			}
		}
	}
	t.Logf("%d selectors (%d that Kubernetes cannot parse), %d pods selected, %d not", selectors, invalid, selected, unselected)
	if selected < selectors/4 || unselected < selectors/4 || invalid < selectors/20 {
		t.Errorf("too few cases of a kind: %d selected, %d not, %d invalid selectors", selected, unselected, invalid)
	}
}

func pick[T any](r *rand.Rand, from []T) T { return from[r.IntN(len(from))] }

// brokenRequirements are requirements Kubernetes refuses to parse.
var brokenRequirements = []metav1.LabelSelectorRequirement{
	{Key: "a", Operator: "in", Values: []string{"x"}},
	{Key: "a", Operator: "Gt"},
	{Key: "b", Operator: metav1.LabelSelectorOpNotIn},
	{Key: "c", Operator: metav1.LabelSelectorOpExists, Values: []string{"x"}},
	{Key: "not a key", Operator: metav1.LabelSelectorOpDoesNotExist},
	{Key: "example.com/", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"x"}},
	{Key: "a", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"x", "not a value"}},
	{Key: "a", Operator: metav1.LabelSelectorOpIn, Values: []string{"x", "y", "-z"}},
}

// randomSelector is the i-th selector: every sixth has a requirement of
// brokenRequirements, alone or after random ones; the others are empty one
// time in ten, else up to two matchLabels (one time in twenty an invalid
// one) and up to three matchExpressions.
func randomSelector(r *rand.Rand, i int) metav1.LabelSelector {
	var s metav1.LabelSelector
	broken := i%6 == 0
	if broken && r.IntN(2) == 0 {
		s.MatchExpressions = []metav1.LabelSelectorRequirement{brokenRequirements[(i/6)%len(brokenRequirements)]}
		return s
	}
	if !broken && r.IntN(10) == 0 {
		return s
	}
	for range r.IntN(3) {
		if s.MatchLabels == nil {
			s.MatchLabels = map[string]string{}
		}
		s.MatchLabels[pick(r, selectorKeys)] = pick(r, selectorValues)
	}
	if r.IntN(20) == 0 {
		s.MatchLabels = map[string]string{"-b": "x"}
	}
	for range r.IntN(4) {
		req := metav1.LabelSelectorRequirement{Key: pick(r, selectorKeys), Operator: pick(r, operators)}
		if req.Operator == metav1.LabelSelectorOpIn || req.Operator == metav1.LabelSelectorOpNotIn {
			for range 1 + r.IntN(3) {
				req.Values = append(req.Values, pick(r, selectorValues))
			}
		}
		s.MatchExpressions = append(s.MatchExpressions, req)
	}
	if broken {
		s.MatchExpressions = append(s.MatchExpressions, brokenRequirements[(i/6)%len(brokenRequirements)])
	}
	return s
}

// randomLabels are random labels of the selector's keys, half the time
// over the selector's matchLabels, so that they often match.
func randomLabels(r *rand.Rand, s *metav1.LabelSelector) map[string]string {
	out := map[string]string{}
	for _, k := range selectorKeys {
		if r.IntN(2) == 0 {
			out[k] = pick(r, selectorValues)
		}
	}
	if r.IntN(2) == 0 {
		for k, v := range s.MatchLabels {
			if k != "-b" {
				out[k] = v
			}
		}
	}
	return out
}
