package webhook

import (
	"strings"
	"sync"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// recorded is one Event a test recorder kept.
type recorded struct {
	ref                   *corev1.ObjectReference
	kind, reason, message string
}

// testRecorder keeps the Events it is given (record.EventRecorder).
type testRecorder struct {
	mu     sync.Mutex
	events []recorded
}

func (r *testRecorder) Event(obj runtime.Object, kind, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recorded{obj.(*corev1.ObjectReference), kind, reason, message})
}

func (r *testRecorder) Eventf(obj runtime.Object, kind, reason, format string, args ...any) {
	r.Event(obj, kind, reason, format)
}

func (r *testRecorder) AnnotatedEventf(obj runtime.Object, _ map[string]string, kind, reason, format string, args ...any) {
	r.Event(obj, kind, reason, format)
}

// TestEvents: a denied pod and a pod admitted with warnings get an Event on
// their controller (a ReplicaSet here), naming the pod; a bare pod gets it
// on itself; a dry run, an admitted pod without warnings, none.
func TestEvents(t *testing.T) {
	owned := `"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"hs2-5d8f","uid":"u-1","controller":true}]`
	for name, tc := range map[string]struct {
		meta, anns string
		dryRun     bool
		want       *recorded
	}{
		"denied, owned": {meta: `"generateName":"hs2-5d8f-",` + owned, anns: `{"stagehand.io/agent":"yes"}`,
			want: &recorded{ref: &corev1.ObjectReference{Kind: "ReplicaSet", Name: "hs2-5d8f"}, reason: EventDenied, message: "pod hs2-5d8f-*: stagehand cannot inject this pod"}},
		"warned, owned": {meta: `"name":"w-1",` + owned, anns: `{"stagehand.io/agent":"true","stagehand.io/agnet":"x"}`,
			want: &recorded{ref: &corev1.ObjectReference{Kind: "ReplicaSet", Name: "hs2-5d8f"}, reason: EventWarning, message: "pod w-1: "}},
		"denied, bare": {meta: `"name":"bare"`, anns: `{"stagehand.io/agent":"yes"}`,
			want: &recorded{ref: &corev1.ObjectReference{Kind: "Pod", Name: "bare"}, reason: EventDenied, message: "stagehand cannot inject this pod"}},
		"dry run":  {meta: `"name":"dry"`, anns: `{"stagehand.io/agent":"yes"}`, dryRun: true},
		"admitted": {meta: `"name":"fine"`, anns: `{"stagehand.io/agent":"true"}`},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &testRecorder{}
			h := &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"}), Events: &Events{Recorder: rec}}
			pod := `{"metadata":{` + tc.meta + `,"annotations":` + tc.anns + `},"spec":{"containers":[{"name":"c","image":"i","command":["x"]}]}}`
			body := reviewOf(t, "u", "hivemr3", admissionv1.Create, []byte(pod))
			if tc.dryRun {
				body = []byte(strings.Replace(string(body), `"operation":"CREATE"`, `"operation":"CREATE","dryRun":true`, 1))
			}
			admissiontest.Serve(h, body)
			if tc.want == nil {
				if len(rec.events) != 0 {
					t.Errorf("events %+v, want none", rec.events)
				}
				return
			}
			if len(rec.events) != 1 {
				t.Fatalf("events %+v, want one", rec.events)
			}
			got := rec.events[0]
			if got.ref.Kind != tc.want.ref.Kind || got.ref.Name != tc.want.ref.Name || got.ref.Namespace != "hivemr3" ||
				got.kind != corev1.EventTypeWarning || got.reason != tc.want.reason || !strings.HasPrefix(got.message, tc.want.message) {
				t.Errorf("event %+v on %+v, want %s on %s %s with a message starting %q", got, got.ref, tc.want.reason, tc.want.ref.Kind, tc.want.ref.Name, tc.want.message)
			}
		})
	}
}
