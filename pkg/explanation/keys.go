package explanation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// registry is inject's registry of keys, indexed.
var registry = annotations.NewRegistry(inject.Registry())

// profiles explains which InjectionProfiles select the pod.
func (x *explainer) profiles() {
	ns := x.in.Pod.Namespace
	if why := x.unread(x.in.ProfilesUnread); why != "" {
		x.add(Info, "", "InjectionProfiles not read: %s", why)
		return
	}
	podLabels := x.meta.Metadata.Labels
	var selecting []*v1alpha1.InjectionProfile
	for i := range x.in.Profiles {
		// One at a time: profiles.Select says whether each selects it.
		if p, _ := profiles.Select(x.in.Profiles[i:i+1], ns, podLabels); p != nil {
			selecting = append(selecting, &x.in.Profiles[i])
		}
	}
	switch len(selecting) {
	case 0:
		if len(x.in.Profiles) == 0 {
			x.add(Info, "", "namespace %s has no InjectionProfile", ns)
			return
		}
		x.add(Info, "", "none of the %d InjectionProfiles of namespace %s selects it", len(x.in.Profiles), ns)
	case 1:
		p := selecting[0]
		x.profile = profiles.Of(p)
		x.add(Pass, "", "InjectionProfile %s (generation %d) selects it: its %s apply (a key of the pod's own wins)", p.Name, p.Generation, strings.Join(annotations.OurKeys(p.Spec.Annotations), ", "))
	default:
		for _, p := range selecting {
			x.overlap = append(x.overlap, p.Name)
		}
		slices.Sort(x.overlap)
		x.add(Fail, "narrow their selectors so that at most one selects the pod, or set the keys on the pod itself",
			"%d InjectionProfiles select it: %s; a pod may be selected by at most one", len(x.overlap), strings.Join(x.overlap, ", "))
	}
}

// keys explains the pod's own stagehand.io/ keys, one by one, and those
// misplaced on its workload.
func (x *explainer) keys() {
	anns := x.meta.Metadata.Annotations
	keys := annotations.OwnKeys(anns)
	for _, m := range x.in.Pod.Misplaced {
		// In the way when they are all the pod asks with.
		mark := Fail
		if len(keys) > 0 || x.profile != nil {
			mark = Warn
		}
		x.add(mark, "", "%s", m)
	}
	if len(keys) == 0 {
		x.add(Info, "", "it carries no stagehand.io/ key of its own")
	}
	for _, k := range keys {
		v := anns[k]
		entry := registry.Lookup(k)
		switch {
		case entry == nil && x.in.Options.Strict:
			x.add(Fail, "", "%s: %s", k, annotations.UnknownKeyMessage(k, registry.Keys))
		case entry == nil:
			x.add(Warn, "", "%s: %s", k, annotations.UnknownKeyMessage(k, registry.Keys))
		case k == annotations.Inject && v == "false":
			x.add(Fail, fmt.Sprintf("remove %s, or set it to \"true\"", k), "%s: %q opts the pod out: stagehand injects nothing into it", k, v)
		case !entry.WithOthers && entry.Validate != nil && len(entry.Validate(v)) > 0:
			x.add(Fail, "", "%s: %q is not valid: %s (valid: %s)", k, redaction.List(v), strings.Join(entry.Validate(v), "; "), entry.Valid)
		default:
			// Values are redacted whatever the key: any may hold a URL
			// with credentials written in the wrong place.
			x.add(Pass, "", "%s: %q", k, redaction.List(v))
		}
	}
}

// templateKinds are the controllers that create pods from a pod template
// of their own.
var templateKinds = []string{"ReplicaSet", "StatefulSet", "DaemonSet", "Job", "ReplicationController"}

// MisplacedOn warns about stagehand.io/ keys on the own metadata of a
// created pod's controller (kind and name), where stagehand never reads
// them: the pods it creates get its pod template's annotations. Only
// controllers with a pod template count: the MR3 DAGAppMaster pod that
// owns its workers carries its own keys rightly.
func MisplacedOn(kind, name string, anns map[string]string) []string {
	keys := annotations.OwnKeys(anns)
	if len(keys) == 0 || !slices.Contains(templateKinds, kind) {
		return nil
	}
	hint := ""
	if kind == "ReplicaSet" {
		hint = " (a Deployment's own annotations are copied to its ReplicaSets)"
	}
	return []string{fmt.Sprintf("%s is on the own metadata of the pod's controller, %s %q%s, where stagehand never reads it: put it on the pod template's metadata.annotations",
		strings.Join(keys, ", "), kind, name, hint)}
}

// unknownOnly are the pod's own keys when none of them is known.
func (x *explainer) unknownOnly() []string {
	var unknown []string
	for _, k := range annotations.OwnKeys(x.meta.Metadata.Annotations) {
		if registry.Lookup(k) != nil {
			return nil
		}
		unknown = append(unknown, k)
	}
	return unknown
}
