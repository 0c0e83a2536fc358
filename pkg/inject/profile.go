package inject

import (
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// MaxProfileValueLength is the longest value of one annotation of an
// InjectionProfile: longer than a pod's (annotations.MaxValueLength), since
// a long list of checksummed jars belongs in a profile.
const MaxProfileValueLength = annotations.MaxProfileValueLength

// Profile is the InjectionProfile that selects a pod, as injection reads
// it: the webhook finds it by the pod's labels and namespace (a pod that
// two profiles select is denied before injection). Its annotations apply
// as if the pod carried them; the pod's own stagehand.io/ annotations
// override them key by key.
type Profile struct {
	Name string `json:"name"`
	// UID and Generation identify the profile's content: the status
	// records the generation.
	UID         string            `json:"uid"`
	Generation  int64             `json:"generation"`
	Annotations map[string]string `json:"annotations"`
}

// ProfileRef is what the status records of the profile that applied.
type ProfileRef struct {
	Name       string `json:"name"`
	Generation int64  `json:"generation"`
}

// profileAnnotations is the field path of the annotations of a profile,
// where it is validated.
var profileAnnotations = field.NewPath("spec", "annotations")

// profilePath is the field path of a profile's annotation key in the
// errors of a pod it selects: the error names the profile.
func profilePath(name string) *field.Path {
	return field.NewPath("injectionProfile").Key(name).Child("spec", "annotations")
}

// effective merges the profile's annotations with the pod's own, which
// win key by key, and says where each key came from.
func effective(pod *Input) (Annotations, annotations.PathOf) {
	own := pod.Metadata.Annotations
	prof := pod.Profile
	if prof == nil || len(prof.Annotations) == 0 {
		return own, annotations.KeyPath
	}
	merged := Annotations(maps.Clone(prof.Annotations))
	maps.Copy(merged, own)
	root := profilePath(prof.Name)
	return merged, func(key string) *field.Path {
		if _, mine := own[key]; mine {
			return annotations.KeyPath(key)
		}
		if _, theirs := prof.Annotations[key]; theirs {
			return root.Key(key)
		}
		return annotations.KeyPath(key)
	}
}

// ValidateProfile checks the annotations of an InjectionProfile as the
// webhook will read them for every pod it selects, and returns every
// problem at once, each at spec.annotations[key] naming the value and what
// is valid, and the warnings of options that have no effect by themselves.
// In a profile an unknown key is an error, as are a key stagehand writes
// and stagehand.io/inject (a pod opts out itself).
// Rules that need a pod (the containers stagehand.io/containers names)
// wait for the pod.
func ValidateProfile(anns map[string]string, opts Options) ([]string, field.ErrorList) {
	var errs field.ErrorList
	// The keys a profile may not carry are reported, and the others are
	// still parsed: every problem at once.
	rest := maps.Clone(anns)
	for _, k := range slices.Sorted(maps.Keys(anns)) {
		switch {
		case !strings.HasPrefix(k, annotations.Prefix):
			errs = append(errs, field.Invalid(profileAnnotations.Key(k), k, "not a "+annotations.Prefix+" key: a profile gives pods stagehand's annotations only"))
		case slices.ContainsFunc(annotations.WrittenKeys, func(w annotations.Key) bool { return w.Name == k }):
			errs = append(errs, field.Forbidden(profileAnnotations.Key(k), "written by the webhook; a profile cannot set it"))
		case k == annotations.Inject:
			errs = append(errs, field.Forbidden(profileAnnotations.Key(k), "a pod opts out itself; to leave pods alone, do not select them"))
		default:
			continue
		}
		delete(rest, k)
	}
	if tooLarge := annotations.CheckLimits(anns, MaxProfileValueLength, profileAnnotations); len(tooLarge) > 0 {
		return nil, append(errs, tooLarge...)
	}
	opts.Strict = true
	pod := &Input{Profile: &Profile{Annotations: rest}}
	_, warnings, parseErrs := parseWith(pod, &opts, profileRules)
	return warnings, append(errs, parseErrs...)
}
