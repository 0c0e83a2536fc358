package guard

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// testProfileCost: a profile whose selector has boundRequirements
// requirements with the longest keys and boundValues values of the longest
// length, which selects the pod, is evaluated (the pod is refused for want
// of injection); with twice the values, the policy runs out of cost and
// refuses the pod with the API server's message.
func testProfileCost(t *testing.T, c client.Client) {
	const name = "guard-profile-cost"
	installProfileGuard(t, c, name)
	for _, tc := range []struct {
		name   string
		values int
		want   string
	}{
		{"at-the-bound", boundValues, "stagehand guard: InjectionProfile big selects this pod"},
		{"twice-the-values", 2 * boundValues, "actual cost limit exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t, c, name)
			newProfile(t, c, ns, "big", longestSelector(boundRequirements, tc.values), map[string]string{inject.Agent: "true"})
			var got error
			err := wait.PollUntilContextTimeout(t.Context(), testenv.PollInterval, testenv.WaitTimeout, true, func(ctx context.Context) (bool, error) {
				got = c.Create(ctx, plainPod(ns, map[string]string{"zz": "none"}, "app"), client.DryRunAll)
				return got != nil, nil
			})
			if err != nil || !strings.Contains(got.Error(), tc.want) {
				t.Errorf("got %v (%v), want the denial %q", got, err, tc.want)
			}
		})
	}
}

// longestSelector has requirements DoesNotExist and one NotIn with values,
// all with the longest valid keys (317 characters) and values (63).
func longestSelector(requirements, values int) metav1.LabelSelector {
	long := func(i, n int) string {
		s := fmt.Sprintf("x%d", i)
		return s + strings.Repeat("a", n-len(s))
	}
	key := func(i int) string {
		return long(i, 63) + "." + long(i, 63) + "." + long(i, 63) + "." + long(i, 61) + "/" + long(i, 63)
	}
	var s metav1.LabelSelector
	for i := range requirements - 1 {
		s.MatchExpressions = append(s.MatchExpressions, metav1.LabelSelectorRequirement{Key: key(i), Operator: metav1.LabelSelectorOpDoesNotExist})
	}
	r := metav1.LabelSelectorRequirement{Key: "zz", Operator: metav1.LabelSelectorOpNotIn}
	for i := range values {
		r.Values = append(r.Values, long(i, 63))
	}
	s.MatchExpressions = append(s.MatchExpressions, r)
	return s
}
