package explanation

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// injectNow injects the pod with the live settings, as the webhook would
// now: a created pod is injected again, as its status's stagehand version
// would, so that only what the settings change shows. A pod two profiles
// select is denied before injection.
func (x *explainer) injectNow() {
	if len(x.overlap) > 0 {
		return
	}
	opts := x.in.Options
	if x.hadStatus {
		opts.Version = x.previous.Version
	}
	pod := *x.pod
	pod.Profile = x.profile
	x.result, x.injectErr = inject.New(opts).Inject(&pod)
	if x.hadStatus && x.injectErr == nil && len(x.result.Patch) > 0 {
		x.differences = differences(&x.previous, x.pod, &x.result)
	}
}

// injection explains what injecting the pod now gives: its warnings, every
// problem of a denial, or what it injects.
func (x *explainer) injection() {
	if len(x.overlap) > 0 {
		x.add(Info, "", "injection not tried: the webhook denies a pod that two InjectionProfiles select before anything else")
		return
	}
	for _, w := range x.result.Warnings {
		x.add(Warn, "", "warning: %s", w)
	}
	var denied *inject.Denied
	switch {
	case errors.As(x.injectErr, &denied):
		for _, e := range denied.Errors {
			x.add(Fail, "", "denied: %s", e.Error())
		}
		return
	case x.injectErr != nil:
		x.add(Fail, "", "injecting it fails: %v", x.injectErr)
		return
	}
	switch x.result.Outcome {
	case inject.OutcomeInjected:
		switch {
		case x.hadStatus:
		case x.blocked != "":
			x.add(Info, "", "if it reached stagehand, injecting it would give: %s", strings.Join(x.parts(), ", "))
		default:
			x.add(Pass, "", "injecting it now gives: %s", strings.Join(x.parts(), ", "))
		}
	case inject.OutcomeNotRequested:
		if !x.hadStatus {
			x.add(Info, "", "injecting it now changes nothing: nothing asks for an injection")
		}
	}
}

// parts are the parts injecting the pod now gives.
func (x *explainer) parts() []string {
	if x.result.Pod == nil {
		return nil
	}
	s, _ := inject.ParseStatus(x.result.Pod.Metadata.Annotations[annotations.Status])
	return s.Parts
}

// status explains what the created pod's stagehand.io/status says, and
// whether injecting it now would give something else.
func (x *explainer) status() {
	_, has := x.meta.Metadata.Annotations[annotations.Status]
	switch {
	case !has:
		x.add(Fail, "", "no stagehand.io/status: stagehand did not inject this pod")
		return
	case !x.hadStatus:
		// Not printed: whoever wrote it may have put anything there.
		x.add(Warn, "", "stagehand.io/status is set, but is not the record stagehand writes")
		return
	}
	s := &x.previous
	text := fmt.Sprintf("stagehand.io/status: injected by stagehand %s: %s", s.Version, strings.Join(s.Parts, ", "))
	if s.Profile != nil {
		text += fmt.Sprintf("; InjectionProfile %s, generation %d", s.Profile.Name, s.Profile.Generation)
	}
	x.add(Pass, "", "%s", text)
	switch {
	case len(x.overlap) > 0, x.injectErr != nil:
		x.add(Warn, "", "injected again now, it would be denied (below)")
	case len(x.result.Patch) == 0:
		x.add(Pass, "", "up to date: injecting it again with the live settings changes nothing")
	default:
		x.add(Warn, "delete the pod: the pod its controller creates instead is injected with the live settings",
			"out of date: injected now, it would differ: %s", strings.Join(x.differences, "; "))
	}
}

// differences names what injecting a created pod again would change.
func differences(old *inject.Status, oldPod *inject.Input, res *inject.Result) []string {
	var out []string
	now, ok := inject.ParseStatus(res.Pod.Metadata.Annotations[annotations.Status])
	if !ok {
		return []string{"stagehand would remove what it injected: nothing asks for an injection any more"}
	}
	if !slices.Equal(old.Parts, now.Parts) {
		out = append(out, fmt.Sprintf("parts %s, now %s", strings.Join(old.Parts, ", "), strings.Join(now.Parts, ", ")))
	}
	switch o, n := profileName(old.Profile), profileName(now.Profile); {
	case o != n:
		out = append(out, fmt.Sprintf("InjectionProfile %s, now %s", o, n))
	case old.Profile != nil && old.Profile.Generation != now.Profile.Generation:
		out = append(out, fmt.Sprintf("InjectionProfile %s generation %d, now %d", o, old.Profile.Generation, now.Profile.Generation))
	case old.SpecHash != "" && now.SpecHash != "" && old.SpecHash != now.SpecHash:
		out = append(out, "what its stagehand.io/ keys ask for")
	}
	// Injecting again changes no init container of the pod's own: one of
	// the same name with another image is stagehand's agent.
	for _, c := range res.Pod.Spec.InitContainers {
		if before := initImage(oldPod, c.Name); before != "" && before != c.Image {
			out = appendNew(out, fmt.Sprintf("agent image %s, now %s", before, c.Image))
		}
	}
	for _, c := range res.Pod.Spec.Containers {
		i := slices.IndexFunc(oldPod.Spec.Containers, func(o inject.Container) bool { return o.Name == c.Name })
		if i >= 0 && !slices.Equal(oldPod.Spec.Containers[i].Command, c.Command) {
			out = append(out, fmt.Sprintf("the command of container %s (the entrypoint map, or what the agent wraps)", c.Name))
		}
	}
	if len(out) == 0 {
		paths := make([]string, 0, len(res.Patch))
		for _, op := range res.Patch {
			paths = appendNew(paths, op.Operation+" "+op.Path)
		}
		out = append(out, "the patch: "+strings.Join(paths, ", "))
	}
	return out
}

func profileName(p *inject.ProfileRef) string {
	if p == nil {
		return "none"
	}
	return p.Name
}

func initImage(pod *inject.Input, name string) string {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return c.Image
		}
	}
	return ""
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
