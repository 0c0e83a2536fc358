package explanation

import (
	"encoding/json"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Mark says what a step means for the pod's injection.
type Mark int

// The marks, printed as ✓, ✗, ! and -.
const (
	// Pass: this step lets the pod be injected as asked.
	Pass Mark = iota
	// Fail: this step keeps the pod from being injected, or denies it.
	Fail
	// Warn: not in the way, but probably not what was meant.
	Warn
	// Info: neither.
	Info
)

func (m Mark) String() string { return [...]string{"✓", "✗", "!", "-"}[m] }

// Step is one line of an explanation, and the fix where there is one.
type Step struct {
	Mark Mark
	Text string
	Fix  string
}

// Outcome is the verdict on a pod.
type Outcome string

// The outcomes.
const (
	Injected        Outcome = "injected"
	WouldBeInjected Outcome = "would be injected"
	WouldBeDenied   Outcome = "would be denied"
	NotInjected     Outcome = "not injected"
)

// Verdict is the final line: the outcome and why.
type Verdict struct {
	Outcome Outcome
	Why     string
}

// Explanation says, step by step, why a pod was or would be injected or not.
type Explanation struct {
	// Subject names the pod: `Pod "x" in namespace y`.
	Subject string
	Steps   []Step
	Verdict Verdict
}

// Pod is the pod to explain.
type Pod struct {
	// Object names what carries the pod: `Pod "x"`, `Deployment "web"`.
	Object string
	// Namespace is where the pod is, or would be, created.
	Namespace string
	// JSON is the pod, or the workload's pod template.
	JSON []byte
	// Misplaced warns about stagehand.io/ keys on the workload's own
	// metadata, or on the created pod's controller (MisplacedOn).
	Misplaced []string
	// Created says the pod exists in the cluster: it went through
	// admission, and its stagehand.io/status says what it got.
	Created bool
}

// Input is everything an explanation reads: no I/O happens in Explain.
type Input struct {
	Pod Pod
	// Cluster says the namespace, the webhook configuration and the
	// profiles were read from a cluster; without one, the namespace is
	// not checked and no profile is known.
	Cluster bool
	// Namespace is the pod's namespace; nil when it does not exist.
	Namespace *corev1.Namespace
	// NamespaceUnread and ProfilesUnread say why the namespace or the
	// profiles could not be read from the cluster (forbidden): they are
	// then not checked, as without a cluster.
	NamespaceUnread, ProfilesUnread string
	// Webhooks is the MutatingWebhookConfiguration stagehand; nil when
	// the cluster has none.
	Webhooks *admissionregistrationv1.MutatingWebhookConfiguration
	// Options are the live injection settings.
	Options inject.Options
	// Profiles are the InjectionProfiles of the pod's namespace.
	Profiles []v1alpha1.InjectionProfile
	// Events are the Events about the pod or its controller; only
	// stagehand's are shown.
	Events []corev1.Event
	// Now dates the Events.
	Now time.Time
}

// podMeta is what the explanation reads of the pod besides inject.Input.
type podMeta struct {
	Metadata struct {
		Name         string            `json:"name"`
		GenerateName string            `json:"generateName"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// explainer builds an Explanation.
type explainer struct {
	in    *Input
	meta  podMeta
	pod   *inject.Input
	own   bool // the pod carries stagehand.io/ keys of its own
	steps []Step
	// blocked says why the pod does not reach the webhook; empty when it
	// does, or may.
	blocked string
	// uncertain: a changed match condition was not evaluated.
	uncertain bool
	// reached are the entries the pod reaches.
	reached []*admissionregistrationv1.MutatingWebhook
	profile *inject.Profile
	// overlap names the profiles that select the pod, when two or more do.
	overlap []string
	// previous is what the pod's status says, for a created pod.
	previous    inject.Status
	hadStatus   bool
	result      inject.Result
	injectErr   error
	differences []string
}

// Explain explains the pod of in.
func Explain(in *Input) (*Explanation, error) {
	x := &explainer{in: in}
	if err := json.Unmarshal(in.Pod.JSON, &x.meta); err != nil {
		return nil, fmt.Errorf("%s: decoding its metadata: %w", in.Pod.Object, err)
	}
	pod, err := inject.DecodeInput(in.Pod.JSON)
	if err != nil {
		return nil, fmt.Errorf("%s: decoding the pod: %w", in.Pod.Object, err)
	}
	x.pod = pod
	x.own = hasOwnKeys(x.meta.Metadata.Annotations)
	x.previous, x.hadStatus = inject.ParseStatus(x.meta.Metadata.Annotations[annotations.Status])
	if err := x.admission(); err != nil {
		return nil, err
	}
	x.profiles()
	x.keys()
	x.injectNow()
	if in.Pod.Created {
		x.status()
		x.events()
	}
	x.injection()
	return &Explanation{Subject: x.subject(), Steps: x.steps, Verdict: x.verdict()}, nil
}

func (x *explainer) add(mark Mark, fix, format string, args ...any) {
	x.steps = append(x.steps, Step{Mark: mark, Text: fmt.Sprintf(format, args...), Fix: fix})
}

// unread says why the namespace, or the profiles, were not read; empty
// when they were.
func (x *explainer) unread(why string) string {
	if !x.in.Cluster {
		return "no cluster reached"
	}
	return why
}

func (x *explainer) subject() string {
	return fmt.Sprintf("%s in namespace %s", x.in.Pod.Object, x.in.Pod.Namespace)
}
