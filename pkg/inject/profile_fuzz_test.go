package inject

import (
	"maps"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/stagehand-k8s/stagehand/internal/fuzzpod"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// FuzzProfileMerge: injecting a pod that a profile selects gives the pod
// injecting a pod that carries the merged annotations itself gives: the
// same outcome, the same injected spec, the same parts, and errors in the
// same number; only the status's record of the profile and the path of an
// error in a profile's key differ.
func FuzzProfileMerge(f *testing.F) {
	f.Add(uint8(0), "service-account-token=true\nats-configmap=client-am-config\nagent=true", "token-expiration=600")
	f.Add(uint8(1), "jars=https://a.example.com/x.jar\ncontainers=worker", "agent=true\ntimeline-url=http://ats:8188")
	f.Add(uint8(1), "ats-secret=s", "ats-configmap=c")
	f.Add(uint8(0), "service-account-token=true", "inject=false")
	in := New(Options{Version: "fuzz", AgentImage: "agent:fuzz", Entrypoints: fuzzpod.Entrypoints})
	f.Fuzz(func(t *testing.T, base uint8, profileSpec, podSpec string) {
		profileAnns := map[string]string{}
		for k, v := range fuzzpod.Pod(base, profileSpec).Annotations {
			// Values a pod may carry too: a profile's may be longer.
			if strings.HasPrefix(k, annotations.Prefix) && k != annotations.Status && k != annotations.Inject && len(v) <= annotations.MaxValueLength {
				profileAnns[k] = v
			}
		}
		own := fuzzpod.Pod(base, podSpec)
		selected, err := InputOf(own)
		if err != nil {
			t.Fatal(err)
		}
		selected.Profile = &Profile{Name: "p", UID: "u", Generation: 1, Annotations: profileAnns}
		merged := own.DeepCopy()
		merged.Annotations = maps.Clone(profileAnns)
		maps.Copy(merged.Annotations, own.Annotations)
		carried, err := InputOf(merged)
		if err != nil {
			t.Fatal(err)
		}
		a, errA := in.Inject(selected)
		b, errB := in.Inject(carried)
		if (errA == nil) != (errB == nil) || a.Outcome != b.Outcome {
			t.Fatalf("with the profile: %s, %v; carried: %s, %v", a.Outcome, errA, b.Outcome, errB)
		}
		if errA != nil {
			da, okA := errA.(*Denied)
			db, okB := errB.(*Denied)
			if okA != okB || (okA && len(da.Errors) != len(db.Errors)) {
				t.Fatalf("denials differ:\n%v\n%v", errA, errB)
			}
			return
		}
		if (a.Pod == nil) != (b.Pod == nil) {
			t.Fatalf("one injection edited the pod, the other did not")
		}
		if a.Pod == nil {
			return
		}
		if !equality.Semantic.DeepEqual(a.Pod.Spec, b.Pod.Spec) {
			t.Fatalf("the injected specs differ for profile %q and pod %q", profileSpec, podSpec)
		}
		sa, _ := ParseStatus(a.Pod.Metadata.Annotations[annotations.Status])
		sb, _ := ParseStatus(b.Pod.Metadata.Annotations[annotations.Status])
		if len(sa.Parts) > 0 && (sa.Profile == nil || sa.Profile.Name != "p") {
			t.Fatalf("the status %+v does not record the profile", sa)
		}
		sa.Profile = nil
		if !equality.Semantic.DeepEqual(sa, sb) {
			t.Fatalf("statuses differ beyond the profile:\n%+v\n%+v", sa, sb)
		}
	})
}
