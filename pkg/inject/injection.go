package inject

import (
	"cmp"
	"slices"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// About is what an injection declares of itself, besides its code: its
// annotation keys, what it owns in a pod, and what the guard policy checks.
// Everything generic (the registry, parsing, the status record, the
// documentation, the guard policy, the demo) reads it from the table.
type About struct {
	// Part names the injection in the status annotation.
	Part string
	// Field names its request in the spec hash of the status.
	Field string
	// Rank orders the table: injections apply in rank order, and the
	// status lists their parts in it.
	Rank int
	// Keys are the injection's annotation keys, in documentation order.
	Keys []annotations.Key
	// Asks are the keys that ask for the injection; its other keys are
	// options, which warn when it is not asked for.
	Asks []string
	// AskedAs says how the injection is asked for, in those warnings.
	AskedAs string
	// Rules state how its keys combine, in the reference's words.
	Rules []string
	// Owns names what the injection adds to a pod.
	Owns Owned
	// Guard says what the guard policy checks of it (see guard.go).
	Guard Guard
}

// Owned names what an injection adds to a pod. Re-injection replaces or
// removes exactly these, as the status records them.
type Owned struct {
	// Volumes it may add.
	Volumes []string
	// InitContainers it may add: InitContainer, which it adds with its
	// step when it is asked for (see initcontainer.go). An injection that
	// only contributes to it when another asks for it does not list it.
	InitContainers []string
	// Env are the env vars it may set in the target containers.
	Env []string
	// WrapsCommands is true when it rewrites the target containers'
	// commands.
	WrapsCommands bool
}

// mountPoint is a path an injection mounts into the target containers,
// with the key that sets it. Fixed mount points are not the user's choice:
// an overlap is reported on the other key.
type mountPoint struct {
	key, path string
	fixed     bool
}

// injection is one part stagehand injects, with the request R that its
// keys parse into. One file declares each injection and registers it.
type injection[R any] struct {
	About
	// parse reads the injection's keys; nil when the pod does not ask for
	// it. Problems go to p.
	parse func(p *parser) *R
	// apply injects the request into the pod e edits.
	apply func(e *editor, r *R)
	// mounts are the paths apply mounts into the target containers.
	mounts func(s *Spec, r *R) []mountPoint
	// describe says, in words, what it injected into an injected pod.
	describe func(pod *Input) []string
	index    int
}

// part is an injection of any request type: what generic code loops over.
type part interface {
	about() *About
	parseInto(p *parser, s *Spec)
	applyTo(e *editor) bool
	mountPoints(s *Spec) []mountPoint
	describeIn(pod *Input) []string
	setIndex(int)
	// holds tells whether r is a request of this injection.
	holds(r any) bool
}

// table is every injection, in rank order once the package is initialized.
var table []part

// register adds an injection to the table; each injection's file calls it
// once, for a package variable.
func register[R any](j *injection[R]) *injection[R] {
	table = append(table, j)
	return j
}

func init() {
	slices.SortStableFunc(table, func(a, b part) int { return cmp.Compare(a.about().Rank, b.about().Rank) })
	keys := slices.Clone(annotations.GeneralKeys)
	for i, p := range table {
		keys = append(keys, p.about().Keys...)
		p.setIndex(i)
		for _, name := range p.about().Owns.Env {
			injectedEnv[name] = true
		}
	}
	registry = annotations.NewRegistry(append(keys, annotations.WrittenKeys...))
}

// requestOf is the request of type R in s, that of the one injection whose
// requests are Rs; nil when s does not ask for it. Injections read each
// other's requests through it.
func requestOf[R any](s *Spec) *R {
	for _, r := range s.requests {
		if r, ok := r.(*R); ok {
			return r
		}
	}
	return nil
}

// of is the injection's request in s; nil when s does not ask for it.
func (j *injection[R]) of(s *Spec) *R {
	if s == nil || j.index >= len(s.requests) {
		return nil
	}
	r, _ := s.requests[j.index].(*R)
	return r
}

func (j *injection[R]) about() *About { return &j.About }

func (j *injection[R]) setIndex(i int) { j.index = i }

func (j *injection[R]) holds(r any) bool { _, ok := r.(*R); return ok }

func (j *injection[R]) parseInto(p *parser, s *Spec) {
	if r := j.parse(p); r != nil {
		s.requests[j.index] = r
	}
}

func (j *injection[R]) applyTo(e *editor) bool {
	r := j.of(e.spec)
	if r == nil {
		return false
	}
	j.apply(e, r)
	return true
}

func (j *injection[R]) mountPoints(s *Spec) []mountPoint {
	r := j.of(s)
	if r == nil || j.mounts == nil {
		return nil
	}
	return j.mounts(s, r)
}

func (j *injection[R]) describeIn(pod *Input) []string { return j.describe(pod) }

// Injections describes every injection, in the order they apply.
func Injections() []About {
	out := make([]About, len(table))
	for i, p := range table {
		out[i] = *p.about()
	}
	return out
}

// Registry lists every annotation key, in documentation order: the general
// keys, each injection's, and the keys the webhook writes. The slice is
// shared: callers must not change it.
func Registry() []annotations.Key { return registry.Keys }

// registry is Registry, indexed, built once the table is complete.
var registry *annotations.Registry

// Rules are the rules of precedence between keys of every injection.
func Rules() []string {
	var rules []string
	for _, p := range table {
		rules = append(rules, p.about().Rules...)
	}
	return rules
}

// injectedEnv are the names of every env var an injection may set: only
// their values are read (see Env).
var injectedEnv = map[string]bool{}
