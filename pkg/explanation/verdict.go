package explanation

import (
	"errors"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// deniedBecause says in words why inject denies a pod, by reason.
var deniedBecause = map[string]string{
	inject.ReasonInvalid:   "invalid stagehand.io/ annotations",
	inject.ReasonConflict:  "what stagehand injects clashes with the pod's own volumes, mounts or env",
	inject.ReasonNoCommand: "a container the agent wraps has no command, and its image is not in the entrypoint map",
	inject.ReasonTooLarge:  "its injection would be larger than an admission may answer",
}

// verdict is the final line.
func (x *explainer) verdict() Verdict {
	if x.in.Pod.Created {
		return x.createdVerdict()
	}
	if x.blocked != "" {
		return Verdict{Outcome: NotInjected, Why: x.blocked}
	}
	v := x.admitted()
	if x.uncertain {
		v.Why += " (if it reaches the webhook: its match conditions were changed)"
	}
	return v
}

// admitted is what the webhook does with the pod once it reaches it.
func (x *explainer) admitted() Verdict {
	var denied *inject.Denied
	switch {
	case len(x.overlap) > 0:
		return Verdict{WouldBeDenied, fmt.Sprintf("InjectionProfiles %s all select it", strings.Join(x.overlap, ", "))}
	case errors.As(x.injectErr, &denied):
		why := deniedBecause[denied.Reason]
		if why == "" {
			why = denied.Reason
		}
		return Verdict{WouldBeDenied, fmt.Sprintf("%s: %s listed above", why, problems(len(denied.Errors)))}
	case x.injectErr != nil:
		return Verdict{WouldBeDenied, x.injectErr.Error()}
	case x.result.Outcome == inject.OutcomeOptedOut:
		return Verdict{NotInjected, `it opts out with stagehand.io/inject: "false"`}
	case x.result.Outcome == inject.OutcomeNotRequested:
		return Verdict{NotInjected, x.nothingAsked()}
	}
	why := strings.Join(x.parts(), ", ")
	if x.profile != nil {
		why += ", with InjectionProfile " + x.profile.Name
	}
	return Verdict{WouldBeInjected, why}
}

// nothingAsked says why nothing asks for an injection.
func (x *explainer) nothingAsked() string {
	if len(x.in.Pod.Misplaced) > 0 {
		return "its stagehand.io/ keys are on its workload's own metadata, not on its pod template"
	}
	if unknown := x.unknownOnly(); len(unknown) > 0 {
		return "its only stagehand.io/ keys are unknown (mistyped?): " + strings.Join(unknown, ", ")
	}
	if x.own {
		return "its stagehand.io/ keys ask for no injection"
	}
	if why := x.unread(x.in.ProfilesUnread); why != "" {
		return "nothing of its own asks for an injection; an InjectionProfile of its namespace may (not read: " + why + ")"
	}
	return "nothing asks for an injection: it carries no stagehand.io/ key of its own and no InjectionProfile selects it"
}

// createdVerdict is the verdict on a pod of the cluster.
func (x *explainer) createdVerdict() Verdict {
	if x.hadStatus {
		switch {
		case len(x.overlap) > 0 || x.injectErr != nil:
			return Verdict{Injected, "but injected again now, it would be denied"}
		case len(x.result.Patch) == 0:
			return Verdict{Injected, "up to date with the live settings"}
		}
		return Verdict{Injected, "out of date: injected now, it would differ: " + strings.Join(x.differences, "; ")}
	}
	if x.blocked != "" {
		return Verdict{NotInjected, x.blocked}
	}
	v := x.admitted()
	switch v.Outcome {
	case WouldBeDenied:
		return Verdict{NotInjected, "created now, it would be denied (" + v.Why + "); it was most likely created before stagehand was installed, or before its namespace was selected"}
	case WouldBeInjected:
		if x.profile != nil && !x.own && x.reachedIgnore() {
			return Verdict{NotInjected, fmt.Sprintf("InjectionProfile %s selects it, but it was created without injection: most likely the webhook was down or unreachable then "+
				"(failurePolicy Ignore admits such a pod untouched, and stagehand-profile-guard refuses it only when the profile already selected it), or the profile was created after the pod", x.profile.Name)}
		}
		return Verdict{NotInjected, "created now, it would be injected (" + v.Why + "); it was most likely created before stagehand was installed, or before its namespace was selected"}
	}
	return v
}

// reachedIgnore: the pod reaches an entry that admits it when the webhook
// cannot be called.
func (x *explainer) reachedIgnore() bool {
	for _, h := range x.reached {
		if h.FailurePolicy != nil && *h.FailurePolicy == admissionregistrationv1.Ignore {
			return true
		}
	}
	return false
}

func problems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}
