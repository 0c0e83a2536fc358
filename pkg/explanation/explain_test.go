package explanation

import (
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// sparkProfile selects executors with the agent and a jar.
func sparkProfile(gen int64) v1alpha1.InjectionProfile {
	return profile("spark-executors", gen, map[string]string{"spark-role": "executor"},
		map[string]string{inject.Agent: "true", inject.Jars: "https://repo1.maven.org/a.jar"})
}

// TestExplain: the cases issue 15 lists as silent today, and the others
// explain must tell apart, each with its verdict and the lines that say
// why.
func TestExplain(t *testing.T) {
	token := map[string]string{inject.ServiceAccountToken: "true", inject.Agent: "true"}
	opts := liveOptions(t)
	older := opts
	older.AgentImage = "ghcr.io/stagehand-k8s/agent:v1"
	changed := shippedWebhooks(t)
	changed.Webhooks[0].MatchConditions[0].Expression = "has(object.metadata.labels)"
	tests := []struct {
		name     string
		in       Input
		outcome  Outcome
		why      string   // a substring of the verdict's why
		lines    []string // substrings of the printed explanation
		marks    []Mark   // the marks of the lines, in order
		notLines []string
	}{
		{
			name: "fully annotated pod in a namespace without the label",
			in:   Input{Pod: podsOf(t, executor(token))[0], Cluster: true, Namespace: namespace(nil)},
			// the namespace line twice: both entries share a selector
			outcome: NotInjected, why: "namespace spark lacks the label stagehand.io/inject=enabled",
			lines: []string{"✗ namespace spark lacks the label stagehand.io/inject=enabled: pods.stagehand.io and profiled-pods.stagehand.io do not select it",
				"fix: kubectl label namespace spark stagehand.io/inject=enabled",
				"- by its labels and match conditions it would reach pods.stagehand.io (failurePolicy Fail) once its namespace is selected",
				"- if it reached stagehand, injecting it would give: credentials, agent"},
		},
		{
			name:    "only mistyped keys",
			in:      Input{Pod: podsOf(t, executor(map[string]string{"stagehand.io/service-acount-token": "true"}))[0], Cluster: true, Namespace: namespace(optedIn)},
			outcome: NotInjected, why: "its only stagehand.io/ keys are unknown (mistyped?): stagehand.io/service-acount-token",
			lines: []string{"✓ it reaches pods.stagehand.io (failurePolicy Fail): it carries stagehand.io/ keys of its own",
				"! stagehand.io/service-acount-token: unknown stagehand.io/ annotation; did you mean stagehand.io/service-account-token?",
				"! warning: metadata.annotations[stagehand.io/service-acount-token]: unknown"},
		},
		{
			name: "only mistyped keys, strict",
			in: Input{Pod: podsOf(t, executor(map[string]string{"stagehand.io/service-acount-token": "true"}))[0], Cluster: true, Namespace: namespace(optedIn),
				Options: inject.Options{Strict: true}},
			outcome: WouldBeDenied, why: "invalid stagehand.io/ annotations: 1 problem listed above",
			lines: []string{"✗ stagehand.io/service-acount-token: unknown", "✗ denied: metadata.annotations[stagehand.io/service-acount-token]: Invalid value"},
		},
		{
			name: "keys on a Deployment's own metadata",
			in: Input{Pod: podsOf(t, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {stagehand.io/service-account-token: "true"}
spec:
  template:
    spec: {containers: [{name: web, image: nginx, command: [nginx]}]}
`)[0], Cluster: true, Namespace: namespace(optedIn)},
			outcome: NotInjected, why: "its stagehand.io/ keys are on its workload's own metadata, not on its pod template",
			lines: []string{`✗ stagehand.io/service-account-token is on the Deployment's own metadata, where stagehand never reads it: put it on the pod template, spec.template.metadata.annotations`,
				"✓ it reaches profiled-pods.stagehand.io (failurePolicy Ignore): it carries no stagehand.io/ key of its own",
				"- namespace spark has no InjectionProfile"},
		},
		{
			name:    "pod selected by a profile",
			in:      Input{Pod: podsOf(t, executor(nil))[0], Cluster: true, Namespace: namespace(optedIn), Profiles: []v1alpha1.InjectionProfile{sparkProfile(3)}},
			outcome: WouldBeInjected, why: "dependencies, agent, with InjectionProfile spark-executors",
			lines: []string{"✓ namespace spark matches the namespaceSelector of pods.stagehand.io and profiled-pods.stagehand.io (stagehand.io/inject=enabled)",
				"✓ it reaches profiled-pods.stagehand.io (failurePolicy Ignore)",
				"✓ InjectionProfile spark-executors (generation 3) selects it: its stagehand.io/agent, stagehand.io/jars apply"},
		},
		{
			name: "two profiles",
			in: Input{Pod: podsOf(t, executor(nil))[0], Cluster: true, Namespace: namespace(optedIn), Profiles: []v1alpha1.InjectionProfile{
				sparkProfile(1), profile("everything", 1, nil, map[string]string{inject.Agent: "true"}), profile("drivers", 1, map[string]string{"spark-role": "driver"}, nil)}},
			outcome: WouldBeDenied, why: "InjectionProfiles everything, spark-executors all select it",
			lines: []string{"✗ 2 InjectionProfiles select it: everything, spark-executors; a pod may be selected by at most one",
				"fix: narrow their selectors"},
		},
		{
			name:    "opted out",
			in:      Input{Pod: podsOf(t, executor(map[string]string{"stagehand.io/inject": "false", inject.Agent: "true"}))[0], Cluster: true, Namespace: namespace(optedIn)},
			outcome: NotInjected, why: `it opts out with stagehand.io/inject: "false"`,
			lines: []string{`✗ stagehand.io/inject: "false" opts the pod out`, `fix: remove stagehand.io/inject, or set it to "true"`},
		},
		{
			name: "injected and up to date",
			in: Input{Pod: created(t, executor(nil), opts, []v1alpha1.InjectionProfile{sparkProfile(2)}), Cluster: true, Namespace: namespace(optedIn),
				Profiles: []v1alpha1.InjectionProfile{sparkProfile(2)}},
			outcome: Injected, why: "up to date with the live settings",
			lines: []string{"✓ stagehand.io/status: injected by stagehand v1: dependencies, agent; InjectionProfile spark-executors, generation 2",
				"✓ up to date: injecting it again with the live settings changes nothing", "- no Event of stagehand"},
			notLines: []string{"out of date"},
		},
		{
			name: "injected with an older agent image than the live one",
			in: Input{Pod: created(t, executor(nil), older, []v1alpha1.InjectionProfile{sparkProfile(2)}), Cluster: true, Namespace: namespace(optedIn),
				Profiles: []v1alpha1.InjectionProfile{sparkProfile(2)}},
			outcome: Injected, why: "out of date: injected now, it would differ: agent image ghcr.io/stagehand-k8s/agent:v1, now ghcr.io/stagehand-k8s/agent:v2",
			lines: []string{"! out of date: injected now, it would differ: agent image ghcr.io/stagehand-k8s/agent:v1, now ghcr.io/stagehand-k8s/agent:v2",
				"fix: delete the pod"},
		},
		{
			name: "injected by an older generation of its profile",
			in: Input{Pod: created(t, executor(nil), opts, []v1alpha1.InjectionProfile{sparkProfile(2)}), Cluster: true, Namespace: namespace(optedIn),
				Profiles: []v1alpha1.InjectionProfile{sparkProfile(3)}},
			outcome: Injected, why: "InjectionProfile spark-executors generation 2, now 3",
		},
		{
			name: "profiled pod created while the webhook was down",
			in: Input{Pod: Pod{Object: `Pod "exec-1"`, Namespace: ns, JSON: podsOf(t, executor(nil))[0].JSON, Created: true}, Cluster: true,
				Namespace: namespace(optedIn), Profiles: []v1alpha1.InjectionProfile{sparkProfile(1)},
				Events: []corev1.Event{{Reason: "StagehandDenied", Message: "pod exec-2: stagehand cannot inject this pod: ...", Count: 3,
					InvolvedObject: corev1.ObjectReference{Kind: "ReplicaSet", Name: "exec"}, LastTimestamp: metav1.NewTime(now.Add(-150e9))},
					{Reason: "Scheduled", Message: "not stagehand's"}}},
			outcome: NotInjected, why: "InjectionProfile spark-executors selects it, but it was created without injection: most likely the webhook was down",
			lines: []string{"✗ no stagehand.io/status: stagehand did not inject this pod",
				"✗ Event StagehandDenied on ReplicaSet exec (3 times, last 2m30s ago): pod exec-2: stagehand cannot inject this pod"},
			notLines: []string{"not stagehand's"},
		},
		{
			name:    "changed match conditions",
			in:      Input{Pod: podsOf(t, executor(token))[0], Cluster: true, Namespace: namespace(optedIn), Webhooks: changed},
			outcome: WouldBeInjected, why: "(if it reaches the webhook: its match conditions were changed)",
			lines: []string{"! pods.stagehand.io: match condition has-stagehand-annotation changed from the shipped one, not evaluated: has(object.metadata.labels)",
				"✓ it reaches pods.stagehand.io (failurePolicy Fail): if its changed match conditions hold"},
		},
		{
			name:    "no webhook configuration",
			in:      Input{Pod: podsOf(t, executor(token))[0], Cluster: true, Namespace: namespace(optedIn), Webhooks: nil},
			outcome: NotInjected, why: "the MutatingWebhookConfiguration stagehand does not exist",
		},
		{
			name:    "no namespace",
			in:      Input{Pod: podsOf(t, executor(token))[0], Cluster: true},
			outcome: NotInjected, why: "namespace spark does not exist",
			lines: []string{"fix: kubectl create namespace spark && kubectl label namespace spark stagehand.io/inject=enabled"},
		},
		{
			name:    "excluded namespace",
			in:      Input{Pod: inNamespace(podsOf(t, executor(token))[0], "stagehand-system"), Cluster: true, Namespace: excluded()},
			outcome: NotInjected, why: "namespace stagehand-system is excluded by name",
		},
		{
			name:    "no cluster",
			in:      Input{Pod: podsOf(t, executor(token))[0]},
			outcome: WouldBeInjected, why: "credentials, agent",
			lines: []string{"- namespace spark not checked: no cluster reached", "- InjectionProfiles not read: no cluster reached"},
		},
		{
			name: "namespace and profiles forbidden",
			in: Input{Pod: podsOf(t, executor(nil))[0], Cluster: true, NamespaceUnread: "forbidden: namespaces is forbidden",
				ProfilesUnread: "forbidden: injectionprofiles is forbidden"},
			outcome: NotInjected, why: "an InjectionProfile of its namespace may (not read: forbidden: injectionprofiles is forbidden)",
			lines: []string{"- namespace spark not checked: forbidden: namespaces is forbidden", "- InjectionProfiles not read: forbidden: injectionprofiles is forbidden"},
		},
		{
			name: "every problem of a denial, values redacted",
			in: Input{Pod: podsOf(t, executor(map[string]string{inject.Jars: "https://user:s3cret@repo.example.com/a.jar?token=s3cret", "stagehand.io/token-path": "relative", "stagehand.io/ats-configmap": "Not_Valid"}))[0],
				Cluster: true, Namespace: namespace(optedIn)},
			outcome: WouldBeDenied, why: "2 problems listed above",
			lines: []string{`✓ stagehand.io/jars: "https://redacted@repo.example.com/a.jar?redacted"`, "✗ stagehand.io/token-path: \"relative\" is not valid: not an absolute path",
				"! warning:", "✗ denied: metadata.annotations[stagehand.io/token-path]"},
			notLines: []string{"s3cret"},
		},
		{
			name: "a container without command",
			in: Input{Pod: podsOf(t, strings.Replace(executor(map[string]string{inject.Agent: "true"}), "apache/spark:3.5.3", "busybox", 1))[0],
				Cluster: true, Namespace: namespace(optedIn)},
			outcome: WouldBeDenied, why: "a container the agent wraps has no command, and its image is not in the entrypoint map: 1 problem listed above",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.Webhooks == nil && tt.name != "no webhook configuration" {
				in.Webhooks = shippedWebhooks(t)
			}
			if in.Options.AgentImage == "" {
				strict := in.Options.Strict
				in.Options = opts
				in.Options.Strict = strict
			}
			in.Now = now
			e, err := Explain(&in)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			if err := e.Write(&out); err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + out.String())
			if e.Verdict.Outcome != tt.outcome || !strings.Contains(e.Verdict.Why, tt.why) {
				t.Errorf("verdict %q: %q, want %q: ...%q...\n%s", e.Verdict.Outcome, e.Verdict.Why, tt.outcome, tt.why, out.String())
			}
			for _, l := range tt.lines {
				if !strings.Contains(out.String(), l) {
					t.Errorf("the explanation lacks %q:\n%s", l, out.String())
				}
			}
			for _, l := range tt.notLines {
				if strings.Contains(out.String(), l) {
					t.Errorf("the explanation has %q:\n%s", l, out.String())
				}
			}
		})
	}
}

func inNamespace(p Pod, namespace string) Pod {
	p.Namespace = namespace
	return p
}

// excluded is stagehand's own namespace, opted in by mistake: the
// selectors exclude it by name.
func excluded() *corev1.Namespace {
	n := namespace(optedIn)
	n.Name = "stagehand-system"
	n.Labels[corev1.LabelMetadataName] = "stagehand-system"
	return n
}

// TestShippedConditions: the match conditions manifests/base ships are
// those evaluated in Go, and each entry gets the pods it should.
func TestShippedConditions(t *testing.T) {
	mwc := shippedWebhooks(t)
	shipped, err := shippedConditions()
	if err != nil {
		t.Fatal(err)
	}
	if len(shipped) != len(evaluators) {
		t.Errorf("shipped conditions %v, evaluated in Go %d", shipped, len(evaluators))
	}
	for _, tc := range []struct {
		anns map[string]string
		want string
	}{
		{nil, "profiled-pods.stagehand.io"},
		{map[string]string{"stagehand.io/status": "{}", "other": "x"}, "profiled-pods.stagehand.io"},
		{map[string]string{"stagehand.io/agent": "true"}, "pods.stagehand.io"},
		{map[string]string{"stagehand.io/typo": "true"}, "pods.stagehand.io"},
	} {
		var got []string
		for _, h := range mwc.Webhooks {
			c := evaluate(h.MatchConditions, shipped, hasOwnKeys(tc.anns))
			if len(c.changed) > 0 || c.evaluated != 1 {
				t.Errorf("%s: conditions %+v not all evaluated", h.Name, c)
			}
			if c.hold {
				got = append(got, h.Name)
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("annotations %v reach %v, want %s", tc.anns, got, tc.want)
		}
	}
	// White space does not count; another expression does.
	folded := []admissionregistrationv1.MatchCondition{{Name: "has-stagehand-annotation", Expression: strings.ReplaceAll(shipped["has-stagehand-annotation"], " ", "\n  ")}}
	if c := evaluate(folded, shipped, true); len(c.changed) != 0 {
		t.Errorf("a refolded expression counts as changed")
	}
}

// TestMisplacedOn: keys on a controller with a pod template are
// misplaced; on a pod that owns pods (the MR3 DAGAppMaster) they are not.
func TestMisplacedOn(t *testing.T) {
	anns := map[string]string{inject.Agent: "true", "stagehand.io/status": "{}", "other": "x"}
	if got := MisplacedOn("ReplicaSet", "web-5d8f", anns); len(got) != 1 ||
		!strings.HasPrefix(got[0], `stagehand.io/agent is on the own metadata of the pod's controller, ReplicaSet "web-5d8f" (a Deployment's own annotations are copied`) {
		t.Errorf("ReplicaSet: %q", got)
	}
	if got := MisplacedOn("Pod", "mr3master-1", anns); got != nil {
		t.Errorf("a pod owning pods: %q", got)
	}
	if got := MisplacedOn("Job", "j", map[string]string{"stagehand.io/status": "{}"}); got != nil {
		t.Errorf("the status alone: %q", got)
	}
}
