package inject

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Input is everything injection reads of a pod, and nothing else: Inject
// takes an Input, so what injection may read is what this type holds. Its
// JSON names are the Pod's, and decoding a Pod's JSON into it (DecodeInput)
// skips every member it does not name. Two pods with equal Inputs are
// injected alike: the webhook's cache keys its answers by the encoding of
// the Input (see package webhook).
//
// The pod's name, generateName, namespace, labels and its containers' args,
// ports, probes and resources are not read, nor are the values of the
// pod's own env vars: the pods of one MR3 DAG or Spark job differ in those.
type Input struct {
	Metadata InputMetadata `json:"metadata"`
	Spec     InputSpec     `json:"spec"`
	// Profile is the InjectionProfile that selects the pod, nil for none.
	// It is not part of the pod's JSON: DecodeInput leaves it nil, and the
	// webhook sets it.
	Profile *Profile `json:"stagehandProfile"`
}

// InputMetadata is what injection reads of a pod's metadata.
type InputMetadata struct {
	// Annotations are the pod's stagehand.io/ annotations only. It is nil
	// when the pod has no annotations at all, and empty, not nil, when it
	// has only others: a patch then adds to the map instead of creating it.
	Annotations Annotations `json:"annotations"`
}

// InputSpec is what injection reads of a pod's spec.
type InputSpec struct {
	AutomountServiceAccountToken  *bool            `json:"automountServiceAccountToken"`
	TerminationGracePeriodSeconds *int64           `json:"terminationGracePeriodSeconds"`
	SecurityContext               *SecurityContext `json:"securityContext"`
	// Volumes and InitContainers are read whole: stagehand's own are among
	// them, and re-injection compares them in full.
	Volumes        []corev1.Volume    `json:"volumes"`
	InitContainers []corev1.Container `json:"initContainers"`
	Containers     []Container        `json:"containers"`
}

// SecurityContext is what injection reads of the pod's security context.
type SecurityContext struct {
	FSGroup *int64 `json:"fsGroup"`
}

// Container is what injection reads of an app container.
type Container struct {
	Name         string               `json:"name"`
	Image        string               `json:"image"`
	Command      []string             `json:"command"`
	Env          Env                  `json:"env"`
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts"`
}

// Env is a container's env vars as injection reads them: every name, and
// the value of those whose name stagehand may inject (see Injects). The
// values of the pod's own env vars are never read.
type Env []corev1.EnvVar

// UnmarshalJSONFrom decodes env vars, dropping the values injection does
// not read.
func (e *Env) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var all []corev1.EnvVar
	if err := json.UnmarshalDecode(dec, &all); err != nil {
		return err
	}
	for i := range all {
		if !injectedEnv[all[i].Name] {
			all[i].Value, all[i].ValueFrom = "", nil
		}
	}
	*e = all
	return nil
}

// Annotations are a pod's stagehand.io/ annotations.
type Annotations map[string]string

// UnmarshalJSONFrom decodes a pod's annotations, keeping the stagehand.io/
// ones. Of a key that comes twice, the last value counts, as in the API
// server's decoder.
func (a *Annotations) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		*a = nil
		return err
	case '{':
	default:
		return fmt.Errorf("metadata.annotations: a JSON %v, want an object of strings or null", dec.PeekKind())
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	m := Annotations{}
	for dec.PeekKind() != '}' {
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if !stagehandKey(raw) {
			if err := dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		key, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return err
		}
		var value string
		if err := json.UnmarshalDecode(dec, &value); err != nil {
			return err
		}
		if bytes.HasPrefix(key, prefix) {
			m[string(key)] = value
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*a = m
	return nil
}

// stagehandKey tells, from the raw JSON of a member name, whether it may be
// a stagehand.io/ key: it starts with the prefix, or it has escape
// sequences, which decoding resolves.
func stagehandKey(raw jsontext.Value) bool {
	return bytes.HasPrefix(raw, stagehandPrefixJSON) || bytes.IndexByte(raw, '\\') >= 0
}

var (
	prefix              = []byte(annotations.Prefix)
	stagehandPrefixJSON = []byte(`"` + annotations.Prefix)
)

// DecodeInput decodes the JSON of a Pod into what injection reads of it.
// Member names match exactly, as in the API server's decoder; members the
// Input does not name are skipped. opts add to the decoding options, for
// example to bound what decoding allocates.
func DecodeInput(data []byte, opts ...json.Options) (*Input, error) {
	var in Input
	if err := json.Unmarshal(data, &in, append([]json.Options{InputDecoding}, opts...)...); err != nil {
		return nil, err
	}
	in.Profile = nil // a pod cannot name its own profile
	return &in, nil
}

// InputDecoding are the options every decoding of an Input uses: a name
// that comes twice in an object is allowed, the last value counting, as in
// the API server's decoder (checking names would cost memory per member).
var InputDecoding = json.JoinOptions(jsontext.AllowDuplicateNames(true))

// InputOf is what injection reads of pod: the pod as the API server would
// send it, decoded as the webhook decodes it.
func InputOf(pod *corev1.Pod) (*Input, error) {
	// The API types' own encoding, as the API server's: their omitempty
	// keeps an empty struct such as emptyDir: {}.
	data, err := stdjson.Marshal(pod)
	if err != nil {
		return nil, fmt.Errorf("encoding the pod: %w", err)
	}
	return DecodeInput(data)
}

// clone is a deep copy of in: injection edits a copy and patches from the
// original.
func (in *Input) clone() *Input {
	s := &in.Spec
	out := &Input{Metadata: InputMetadata{Annotations: maps.Clone(in.Metadata.Annotations)}, Profile: in.Profile}
	out.Spec = InputSpec{
		AutomountServiceAccountToken:  clonePointer(s.AutomountServiceAccountToken),
		TerminationGracePeriodSeconds: clonePointer(s.TerminationGracePeriodSeconds),
		Volumes:                       cloneEach(s.Volumes, (*corev1.Volume).DeepCopyInto),
		InitContainers:                cloneEach(s.InitContainers, (*corev1.Container).DeepCopyInto),
		Containers:                    cloneEach(s.Containers, (*Container).deepCopyInto),
	}
	if s.SecurityContext != nil {
		out.Spec.SecurityContext = &SecurityContext{FSGroup: clonePointer(s.SecurityContext.FSGroup)}
	}
	return out
}

func (c *Container) deepCopyInto(out *Container) {
	*out = Container{
		Name: c.Name, Image: c.Image, Command: slices.Clone(c.Command),
		Env:          cloneEach(c.Env, (*corev1.EnvVar).DeepCopyInto),
		VolumeMounts: cloneEach(c.VolumeMounts, (*corev1.VolumeMount).DeepCopyInto),
	}
}

// cloneEach deep-copies a list element by element; nil stays nil.
func cloneEach[L ~[]T, T any](list L, copyInto func(*T, *T)) L {
	if list == nil {
		return nil
	}
	out := make(L, len(list))
	for i := range list {
		copyInto(&list[i], &out[i])
	}
	return out
}

func clonePointer[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
