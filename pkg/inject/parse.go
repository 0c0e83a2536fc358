package inject

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// parser holds what the injections' parse functions read: the pod's
// stagehand.io/ annotations, which of them are invalid on their own, and
// the options; they add what they find wrong to errs and warnings.
type parser struct {
	// anns are the pod's stagehand.io/ annotations, over its profile's.
	anns     Annotations
	keyPath  annotations.PathOf // where a key was written
	pod      *Input
	opts     *Options
	invalid  map[string]bool
	errs     field.ErrorList
	warnings []string
}

func (p *parser) has(key string) bool { _, ok := p.anns[key]; return ok }

// value is the value of key when it is set and valid on its own.
func (p *parser) value(key string) (string, bool) {
	v, ok := p.anns[key]
	return v, ok && !p.invalid[key]
}

// set stores the value of key into into when it is set and valid.
func (p *parser) set(key string, into *string) {
	if v, ok := p.value(key); ok {
		*into = v
	}
}

// parse reads the pod's stagehand.io/ annotations into a Spec, through each
// injection's parse in table order. It returns warnings for input that has
// no effect, and every invalid value at once.
//
// Precedence: stagehand.io/inject: "false" disables every injection and no
// other key is checked; each key is validated on its own (its registry
// entry), then the rules across keys run on the keys valid on their own;
// options without the keys that ask for their injection warn; unknown keys
// warn, or are errors when strict. With errors, the spec holds only what
// parsed, to be reported, never injected.
func parse(pod *Input, opts *Options) (Spec, []string, field.ErrorList) {
	return parseWith(pod, opts, podRules)
}

// The rules parse applies: all of them to a pod; to a profile, those that
// need no pod.
type rules int

const (
	podRules rules = iota
	profileRules
)

func parseWith(pod *Input, opts *Options, which rules) (Spec, []string, field.ErrorList) {
	errs := annotations.CheckLimits(pod.Metadata.Annotations, annotations.MaxValueLength, annotations.PodAnnotations)
	if prof := pod.Profile; prof != nil && which == podRules { // a profile's own are checked by ValidateProfile
		errs = append(errs, annotations.CheckLimits(prof.Annotations, MaxProfileValueLength, profilePath(prof.Name))...)
	}
	if len(errs) > 0 { // too many or too long: nothing else is read
		return Spec{}, nil, errs
	}
	anns, keyPath := effective(pod)
	if which == profileRules {
		keyPath = profileAnnotations.Key
	}
	if anns[annotations.Inject] == "false" {
		return Spec{Disabled: true}, nil, nil
	}
	checked := annotations.Check(anns, annotations.OurKeys(anns), registry, opts.Strict, keyPath)
	p := parser{anns: anns, keyPath: keyPath, pod: pod, opts: opts, invalid: checked.Invalid, errs: checked.Errs, warnings: checked.Warnings}
	spec := Spec{requests: make([]any, len(table))}
	if !p.invalid[annotations.Containers] && which == podRules {
		spec.Containers, p.errs = annotations.TargetContainers(anns, containerNames(pod), p.errs, keyPath)
	}
	for _, j := range table {
		j.parseInto(&p, &spec)
	}
	p.checkPathOverlap(&spec)
	if !spec.Empty() && which == podRules {
		p.errs = annotations.CheckTargetCount(anns, spec.Containers, p.errs, keyPath)
	}
	p.warnUnused(&spec)
	if len(p.errs) > 0 {
		// What did parse, for the denial to report more than the
		// annotations (Injector.unwrappable); never injected.
		return spec, p.warnings, p.errs
	}
	return spec, p.warnings, nil
}

// warnUnused warns about the options of injections that are not asked for.
func (p *parser) warnUnused(spec *Spec) {
	for i, j := range table {
		a := j.about()
		if spec.requests[i] != nil || slices.ContainsFunc(a.Asks, func(k string) bool { return p.invalid[k] }) {
			continue
		}
		for _, k := range a.Keys {
			if !slices.Contains(a.Asks, k.Name) && p.has(k.Name) {
				p.warnings = append(p.warnings, fmt.Sprintf("%s: has no effect without %s", p.keyPath(k.Name), a.AskedAs))
			}
		}
	}
}

// checkPathOverlap rejects injected mounts that would shadow one another.
func (p *parser) checkPathOverlap(spec *Spec) {
	var mounts []mountPoint
	for _, j := range table {
		mounts = append(mounts, j.mountPoints(spec)...)
	}
	slices.SortStableFunc(mounts, func(a, b mountPoint) int {
		switch {
		case a.fixed == b.fixed:
			return 0
		case a.fixed:
			return -1
		}
		return 1
	})
	for i, a := range mounts {
		for _, b := range mounts[i+1:] {
			if p.invalid[a.key] || p.invalid[b.key] || !(annotations.PathWithin(a.path, b.path) || annotations.PathWithin(b.path, a.path)) {
				continue
			}
			p.errs = append(p.errs, field.Invalid(p.keyPath(b.key), b.path,
				fmt.Sprintf("overlaps the mount at %q (%s); stagehand's mounts must not contain each other", a.path, a.key)))
		}
	}
}

// invalid is the error of a value of key that a rule across keys rejects.
func (p *parser) invalidValue(key, value, msg string) *field.Error {
	return field.Invalid(p.keyPath(key), value, msg)
}
