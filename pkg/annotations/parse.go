package annotations

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// Limits that keep hostile input cheap to reject.
const (
	// MaxKeys is the most stagehand.io/ annotations a pod may carry.
	MaxKeys = 64
	// MaxValueLength is the longest accepted value of one annotation.
	MaxValueLength = 4096
	// MaxTargetContainers is the most containers of one pod that stagehand
	// injects into: it bounds the size of an admission's answer.
	MaxTargetContainers = 64
)

// Options tunes Parse.
type Options struct {
	// Strict turns unknown stagehand.io/ keys from warnings into errors.
	Strict bool
	// AllowedHosts, when not empty, are the host globs (path.Match syntax)
	// dependencies may be fetched from.
	AllowedHosts []string
}

var annotationsPath = field.NewPath("metadata", "annotations")

// KeyPath is the field path of an annotation key, for error messages.
func KeyPath(key string) *field.Path { return annotationsPath.Key(key) }

// PodView is what Parse reads of a pod.
type PodView struct {
	// Annotations are the pod's annotations; Parse reads the
	// stagehand.io/ ones.
	Annotations map[string]string
	// Containers are the names of the pod's app containers, in order.
	Containers                   []string
	AutomountServiceAccountToken *bool
}

// Parse reads the pod's stagehand.io/ annotations into a Spec. It returns
// warnings for input that has no effect, and every invalid value at once.
// Precedence rules are listed in the package documentation.
func Parse(pod PodView, opts Options) (Spec, []string, field.ErrorList) {
	var spec Spec
	keys, errs := ourKeys(pod.Annotations)
	if len(errs) > 0 {
		return spec, nil, errs
	}
	if pod.Annotations[Inject] == "false" {
		spec.Disabled = true
		return spec, nil, nil
	}
	var warnings []string
	invalid := map[string]bool{}
	for _, k := range keys {
		v := pod.Annotations[k]
		entry, known := registryIndex[k]
		switch {
		case !known && opts.Strict:
			errs = append(errs, field.Invalid(KeyPath(k), redaction.List(v), unknownKeyMessage(k)))
		case !known:
			warnings = append(warnings, KeyPath(k).String()+": "+unknownKeyMessage(k))
		case entry.Written, entry.WithOthers:
		default:
			if msgs := entry.Validate(v); len(msgs) > 0 {
				invalid[k] = true
				errs = append(errs, invalidValue(entry, v, msgs))
			}
		}
	}
	// Cross-key rules run on the keys that are valid on their own, so that
	// one denial lists every problem.
	p := parser{anns: pod.Annotations, invalid: invalid}
	if !invalid[Containers] {
		spec.Containers, errs = targetContainers(pod, errs)
	}
	spec.Token = p.token(pod)
	spec.ATSKey, errs = p.atsKey(errs)
	spec.Keytab = p.keytab()
	spec.TimelineURL = pod.Annotations[TimelineURL]
	var depWarnings []string
	spec.Deps, depWarnings, errs = p.dependencies(opts, errs)
	warnings = append(warnings, depWarnings...)
	spec.Agent = p.agent()
	errs = checkPathOverlap(spec, errs, invalid)
	errs = checkTargetCount(pod, spec, errs)
	warnings = append(warnings, p.unused(spec)...)
	if len(errs) > 0 {
		return Spec{}, warnings, errs
	}
	return spec, warnings, nil
}

// ourKeys returns the stagehand.io/ keys in sorted order, or errors when the
// annotations are too many or too long to consider.
func ourKeys(anns map[string]string) ([]string, field.ErrorList) {
	keys := make([]string, 0, len(anns))
	var errs field.ErrorList
	for k, v := range anns {
		if !strings.HasPrefix(k, Prefix) {
			continue
		}
		if len(v) > MaxValueLength {
			errs = append(errs, field.TooLong(KeyPath(k), "", MaxValueLength))
		}
		keys = append(keys, k)
	}
	if len(keys) > MaxKeys {
		return nil, field.ErrorList{field.TooMany(annotationsPath, len(keys), MaxKeys).WithOrigin("stagehand.io/ keys")}
	}
	slices.Sort(keys)
	slices.SortFunc(errs, func(a, b *field.Error) int { return strings.Compare(a.Field, b.Field) })
	return keys, errs
}

// invalidValue is the error of a value its key's validator rejected, with
// the value redacted: whatever the key, an invalid value may hold a
// credential, or a list of URIs, written in the wrong place.
func invalidValue(entry *Key, v string, msgs []string) *field.Error {
	v = redaction.List(v)
	return field.Invalid(KeyPath(entry.Name), v, strings.Join(msgs, "; ")+" (valid: "+entry.Valid+")")
}

type parser struct {
	anns    map[string]string
	invalid map[string]bool
}

func (p parser) has(key string) bool { _, ok := p.anns[key]; return ok }

func (p parser) token(pod PodView) *TokenSpec {
	if p.anns[ServiceAccountToken] != "true" {
		return nil
	}
	t := &TokenSpec{Audience: p.anns[TokenAudience], ExpirationSeconds: DefaultTokenExpiration, Path: StagehandTokenPath}
	if v, ok := p.anns[TokenExpiration]; ok {
		t.ExpirationSeconds, _ = strconv.ParseInt(v, 10, 64) // validated above
	}
	if am := pod.AutomountServiceAccountToken; am != nil && !*am {
		t.Path = KubeletTokenPath
	}
	if v, ok := p.anns[TokenPath]; ok {
		t.Path = v
	}
	return t
}

func (p parser) atsKey(errs field.ErrorList) (*KeyRef, field.ErrorList) {
	secret, hasSecret := p.anns[ATSSecret]
	cm, hasCM := p.anns[ATSConfigMap]
	key := DefaultATSSecretKey
	if v, ok := p.anns[ATSSecretKey]; ok {
		key = v
	}
	switch {
	case hasSecret && hasCM:
		return nil, append(errs, field.Invalid(KeyPath(ATSConfigMap), cm,
			fmt.Sprintf("must not be set together with %s=%q: name either a Secret or a ConfigMap", ATSSecret, secret)))
	case hasSecret:
		return &KeyRef{Kind: SourceSecret, Name: secret, Key: key}, errs
	case hasCM:
		return &KeyRef{Kind: SourceConfigMap, Name: cm, Key: key}, errs
	}
	return nil, errs
}

func (p parser) keytab() *KeytabSpec {
	name, ok := p.anns[ATSKeytabSecret]
	if !ok {
		return nil
	}
	k := &KeytabSpec{SecretName: name, Path: DefaultATSKeytabPath}
	if v, ok := p.anns[ATSKeytabPath]; ok {
		k.Path = v
	}
	return k
}

// unused warns about options whose main key is absent.
func (p parser) unused(spec Spec) []string {
	var warnings []string
	warn := func(option, main string) {
		warnings = append(warnings, fmt.Sprintf("%s: has no effect without %s", KeyPath(option), main))
	}
	if spec.Token == nil && !p.invalid[ServiceAccountToken] {
		for _, k := range []string{TokenAudience, TokenExpiration, TokenPath} {
			if p.has(k) {
				warn(k, ServiceAccountToken+`: "true"`)
			}
		}
	}
	if spec.ATSKey == nil && p.has(ATSSecretKey) {
		warn(ATSSecretKey, ATSSecret+" or "+ATSConfigMap)
	}
	if spec.Keytab == nil && p.has(ATSKeytabPath) {
		warn(ATSKeytabPath, ATSKeytabSecret)
	}
	if spec.Deps == nil && !p.invalid[Jars] && !p.invalid[Files] && !p.invalid[Archives] {
		for _, k := range []string{JarsDir, FilesDir, DepsSizeLimit, FetchTimeout, FetchParallelism, DependenciesCAConfigMap, DependenciesAuthSecret} {
			if p.has(k) {
				warn(k, Jars+", "+Files+" or "+Archives)
			}
		}
	}
	if spec.Agent == nil && !p.invalid[Agent] && p.has(TaskTimeout) {
		warn(TaskTimeout, Agent+`: "true"`)
	}
	return warnings
}

// checkPathOverlap rejects injected mounts that would shadow one another.
func checkPathOverlap(spec Spec, errs field.ErrorList, invalid map[string]bool) field.ErrorList {
	type mount struct{ key, path string }
	mounts := make([]mount, 0, 6) // stays on the stack
	if spec.Agent != nil {
		mounts = append(mounts, mount{Agent, agentapi.BinDir})
	}
	if spec.TimelineURL != "" && (spec.Agent != nil || spec.Deps != nil) {
		mounts = append(mounts, mount{TimelineURL, agentapi.SpoolDir})
	}
	if spec.Token != nil {
		mounts = append(mounts, mount{TokenPath, spec.Token.Path})
	}
	if spec.Keytab != nil {
		mounts = append(mounts, mount{ATSKeytabPath, spec.Keytab.Path})
	}
	if spec.Deps != nil {
		mounts = append(mounts, mount{JarsDir, spec.Deps.JarsDir}, mount{FilesDir, spec.Deps.FilesDir})
	}
	for i, a := range mounts {
		for _, b := range mounts[i+1:] {
			if invalid[a.key] || invalid[b.key] || !(PathWithin(a.path, b.path) || PathWithin(b.path, a.path)) {
				continue
			}
			errs = append(errs, field.Invalid(KeyPath(b.key), b.path,
				fmt.Sprintf("overlaps the mount at %q (%s); stagehand's mounts must not contain each other", a.path, a.key)))
		}
	}
	return errs
}
