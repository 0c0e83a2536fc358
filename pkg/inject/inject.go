package inject

import (
	"errors"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Options configures an Injector.
type Options struct {
	// Strict denies pods with unknown stagehand.io/ annotation keys.
	Strict bool
	// Version is recorded in the status annotation.
	Version string
	// AgentImage is the image of stagehand's init containers. Pods cannot
	// choose it.
	AgentImage string
	// AllowedDependencyHosts, when not empty, are the host globs
	// dependencies may be fetched from.
	AllowedDependencyHosts []string
	// Entrypoints gives the entrypoint of images whose containers the agent
	// wraps without a command of their own.
	Entrypoints Entrypoints
}

// Outcome says what Inject did with an admitted pod.
type Outcome string

// The outcomes of an admitted pod.
const (
	// OutcomeInjected means the pod was changed.
	OutcomeInjected Outcome = "injected"
	// OutcomeUnchanged means the pod already carried this exact injection.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeOptedOut means the pod carries stagehand.io/inject: "false".
	OutcomeOptedOut Outcome = "opted-out"
	// OutcomeNotRequested means the pod asks for nothing stagehand injects.
	OutcomeNotRequested Outcome = "not-requested"
)

// Result is what Inject did.
type Result struct {
	// Patch turns the original object into the injected one. Paths are
	// relative to the pod; empty when nothing changes.
	Patch []Operation
	// Warnings are for the user: admission warnings or stderr.
	Warnings []string
	Outcome  Outcome
	// Pod is the injected pod, as injection reads it; nil when Inject
	// did not edit it.
	Pod *Input
}

// needsAgentImage tells whether an injection the spec asks for adds the
// init container, which runs the agent image.
func needsAgentImage(spec *Spec) bool {
	for i, j := range table {
		if spec.requests[i] != nil && len(j.about().Owns.InitContainers) > 0 {
			return true
		}
	}
	return false
}

// containerNames are the names of the pod's app containers, in order.
func containerNames(pod *Input) []string {
	names := make([]string, len(pod.Spec.Containers))
	for i := range pod.Spec.Containers {
		names[i] = pod.Spec.Containers[i].Name
	}
	return names
}

// errNoAgentImage is a configuration error: the webhook was started without
// an agent image.
var errNoAgentImage = errors.New("stagehand: no agent image configured (STAGEHAND_AGENT_IMAGE)")

// Injector injects pods. It is safe for concurrent use.
type Injector struct {
	opts Options
}

// New returns an Injector.
func New(opts Options) *Injector { return &Injector{opts: opts} }

// Inject injects a copy of pod and returns the patch from the original
// object. A pod that must not be admitted gives a *Denied error listing
// every problem. pod is not changed.
func (in *Injector) Inject(pod *Input) (Result, error) {
	spec, warnings, errs := parse(pod, &in.opts)
	if len(errs) > 0 {
		return Result{Warnings: warnings}, &Denied{Reason: ReasonInvalid, Errors: append(errs, in.unwrappable(pod, &spec)...)}
	}
	previous, injectedBefore := ParseStatus(pod.Metadata.Annotations[annotations.Status])
	previous.fillFrom(pod)
	if !injectedBefore && spec.Empty() {
		return Result{Warnings: warnings, Outcome: emptyOutcome(&spec)}, nil
	}
	if len(pod.Spec.Containers) == 0 {
		// Not a valid pod: the API server's validation rejects it; there is
		// nothing to inject into, and no spec to patch.
		return Result{Warnings: append(warnings, "spec.containers: the pod has no containers, so stagehand injects nothing"), Outcome: OutcomeNotRequested}, nil
	}
	if needsAgentImage(&spec) && in.opts.AgentImage == "" {
		return Result{Warnings: warnings}, errNoAgentImage
	}
	e := editor{opts: &in.opts, in: pod.clone(), spec: &spec, previous: previous}
	e.run(injectedBefore)
	warnings = append(warnings, e.warnings...)
	if len(e.errs) > 0 {
		reason := ReasonConflict
		if e.noCommand == len(e.errs) {
			reason = ReasonNoCommand
		}
		return Result{Warnings: warnings}, &Denied{Reason: reason, Errors: e.errs}
	}
	in.writeStatus(e.in, &spec, &e.status)
	res := Result{Warnings: warnings, Patch: buildPatch(pod, e.in, &e.previous, &e.status), Pod: e.in}
	switch {
	case len(e.status.Parts) == 0:
		res.Outcome = emptyOutcome(&spec)
	case len(res.Patch) == 0:
		res.Outcome = OutcomeUnchanged
	default:
		res.Outcome = OutcomeInjected
	}
	return res, nil
}

// run applies the injections in table order to the pod, after undoing what an
// earlier injection did that this one may redo differently.
func (e *editor) run(injectedBefore bool) {
	if injectedBefore {
		e.adoptLegacyMounts() // before anything is edited
		e.unwrap()
	}
	e.targets = targetIndices(e.in, e.spec.Containers)
	if !e.spec.Disabled {
		for _, j := range table {
			if j.applyTo(e) {
				e.status.Parts = append(e.status.Parts, j.about().Part)
			}
		}
	}
	e.assembleShared()
	e.placeInitContainers()
	e.dropStale()
}

// targetIndices returns the indices of the named containers in the pod, in
// time linear in the pod's containers: names are the pod's own target
// containers, in pod order.
func targetIndices(pod *Input, names []string) []int {
	out := make([]int, 0, len(names))
	for i := range pod.Spec.Containers {
		if len(out) < len(names) && pod.Spec.Containers[i].Name == names[len(out)] {
			out = append(out, i)
		}
	}
	return out
}

func emptyOutcome(spec *Spec) Outcome {
	if spec.Disabled {
		return OutcomeOptedOut
	}
	return OutcomeNotRequested
}

// writeStatus records what was injected, or removes the record when nothing
// is injected any more.
func (in *Injector) writeStatus(pod *Input, spec *Spec, status *Status) {
	if len(status.Parts) == 0 {
		delete(pod.Metadata.Annotations, annotations.Status)
		return
	}
	status.Version = in.opts.Version
	if p := pod.Profile; p != nil {
		status.Profile = &ProfileRef{Name: p.Name, Generation: p.Generation}
	}
	if pod.Metadata.Annotations == nil {
		pod.Metadata.Annotations = Annotations{}
	}
	pod.Metadata.Annotations[annotations.Status] = status.encode(pod, spec.Containers)
}
