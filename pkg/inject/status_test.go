package inject

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// statusOf is the status of an injected pod as injection reads it back:
// parsed, and what a compact status leaves out derived from the pod.
func statusOf(t *testing.T, pod *corev1.Pod) Status {
	t.Helper()
	s, ok := ParseStatus(pod.Annotations[annotations.Status])
	if !ok {
		t.Fatalf("pod %s has no status", pod.Name)
	}
	s.fillFrom(mustInput(t, pod))
	return s
}

// exactStatus is what one injection of pod records before it is written:
// every list in full.
func exactStatus(t *testing.T, in *Injector, pod *corev1.Pod) (Status, bool) {
	t.Helper()
	input := mustInput(t, pod)
	spec, _, errs := parse(input, &in.opts)
	if len(errs) > 0 {
		return Status{}, false
	}
	previous, injectedBefore := ParseStatus(input.Metadata.Annotations[annotations.Status])
	previous.fillFrom(input)
	e := editor{opts: &in.opts, in: input.clone(), spec: &spec, previous: previous}
	e.run(injectedBefore)
	return e.status, len(e.errs) == 0
}

// checkReadBack fails unless the status written on injected reads back as
// exactly what the injection recorded.
func checkReadBack(t *testing.T, exact Status, injected *corev1.Pod) {
	t.Helper()
	got := statusOf(t, injected)
	if !got.derivable(mustInput(t, injected), got.Targets) && got.compact() {
		t.Fatalf("a compact status that does not derive: %+v", got)
	}
	d := Status{Volumes: got.Volumes, Mounts: got.Mounts, InitContainers: got.InitContainers, Wrapped: got.Wrapped}
	if !d.sameOwnership(&exact) || !reflect.DeepEqual(nonEmpty(got.Env), nonEmpty(exact.Env)) ||
		!slices.Equal(got.Entrypoint, exact.Entrypoint) || !slices.Equal(got.Parts, exact.Parts) {
		t.Fatalf("the status reads back as\n%+v\nwant what the injection recorded\n%+v\n(written %s)", got, exact, injected.Annotations[annotations.Status])
	}
}

func nonEmpty(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// TestStatusForms: a pod whose elements tell what stagehand owns gets the
// compact status, which lists only its targets and their env vars; a pod
// that mounts one of stagehand's volumes itself gets the full one. Both
// read back as what was injected, and injecting again changes nothing.
func TestStatusForms(t *testing.T) {
	in := New(agentOptions)
	everything := newPod(map[string]string{
		ServiceAccountToken: "true", ATSSecret: "s", ATSKeytabSecret: "k", TimelineURL: "http://ats:8188",
		Jars: "https://h.example.com/a.jar", DependenciesAuthSecret: "t", Agent: "true",
	}, corev1.Container{Name: "main", Command: []string{"x"}}, corev1.Container{Name: "side", Command: []string{"y"}})
	for name, tc := range map[string]struct {
		pod                  *corev1.Pod
		compact              bool
		written, notWritten  []string
		wantVolumes, wantEnv []string
	}{
		"compact": {
			pod: everything, compact: true,
			written:     []string{`"targets":["main","side"]`, `"env":["ATS_SECRET_KEY",`},
			notWritten:  []string{`"volumes"`, `"mounts"`, `"initContainers"`, `"wrapped"`, `"specHash"`},
			wantVolumes: []string{TokenVolume, KeytabVolume, DepsSecretsVolume, DataVolume},
			wantEnv:     []string{ATSSecretKeyEnv, TimelineURLEnv, PodNameEnv, PodNamespaceEnv, NodeNameEnv, ContainerNameEnv, ContainerImgEnv, SpoolDirEnv, SparkClasspathEnv},
		},
		"full": {
			pod:         userTokenPod(map[string]string{ServiceAccountToken: "true", annotations.Containers: "main", ATSSecret: "s"}),
			written:     []string{`"volumes":["stagehand-token"]`, `"mounts":{"main":["` + StagehandTokenPath + `"]}`, `"env":{"main":["ATS_SECRET_KEY"]}`},
			notWritten:  []string{`"targets"`, `"specHash"`},
			wantVolumes: []string{TokenVolume}, wantEnv: []string{ATSSecretKeyEnv},
		},
	} {
		t.Run(name, func(t *testing.T) {
			exact, ok := exactStatus(t, in, tc.pod)
			_, injected := injectChecked(t, in, tc.pod)
			if !ok || injected == nil {
				t.Fatal("denied")
			}
			written := injected.Annotations[annotations.Status]
			for _, want := range tc.written {
				if !strings.Contains(written, want) {
					t.Errorf("status %s does not have %s", written, want)
				}
			}
			for _, not := range tc.notWritten {
				if strings.Contains(written, not) {
					t.Errorf("status %s has %s", written, not)
				}
			}
			got := statusOf(t, injected)
			if got.compact() != tc.compact || !sameSet(got.Volumes, tc.wantVolumes) || !slices.Equal(got.Env["main"], tc.wantEnv) {
				t.Errorf("status %+v: compact %v, volumes %v, main's env %v; want %v, %v, %v",
					got, got.compact(), got.Volumes, got.Env["main"], tc.compact, tc.wantVolumes, tc.wantEnv)
			}
			checkReadBack(t, exact, injected)
			if again, twice := injectChecked(t, in, injected); twice == nil || len(again.Patch) != 0 {
				t.Errorf("injecting again: denied (%v) or patches %+v", twice == nil, again.Patch)
			}
		})
	}
}

// TestCompactStatusEnvPerContainer: when the targets' env vars differ (the
// pod sets one of stagehand's itself in one of them), the compact status
// maps them by container.
func TestCompactStatusEnvPerContainer(t *testing.T) {
	in := New(agentOptions)
	pod := newPod(map[string]string{ATSSecret: "s", Agent: "true"},
		corev1.Container{Name: "a", Command: []string{"x"}},
		corev1.Container{Name: "b", Command: []string{"y"}, Env: []corev1.EnvVar{{Name: ATSSecretKeyEnv, Value: "own"}}})
	_, injected := injectChecked(t, in, pod)
	if injected == nil {
		t.Fatal("denied")
	}
	var written map[string]json.RawMessage
	if err := json.Unmarshal([]byte(injected.Annotations[annotations.Status]), &written); err != nil {
		t.Fatal(err)
	}
	if string(written["env"]) != `{"a":["ATS_SECRET_KEY"]}` || written["targets"] == nil {
		t.Errorf("status %s, want the targets and a's env alone", injected.Annotations[annotations.Status])
	}
	if s := statusOf(t, injected); s.ownsEnv("b", ATSSecretKeyEnv) || !s.ownsEnv("a", ATSSecretKeyEnv) {
		t.Errorf("status %+v owns b's own ATS_SECRET_KEY or not a's", s)
	}
}

// TestStatusOfEarlierVersions: a status with a spec hash and no parts is
// still stagehand's; one with neither is not.
func TestStatusOfEarlierVersions(t *testing.T) {
	if s, ok := ParseStatus(`{"version":"v0.0.1","parts":null,"specHash":"ab"}`); !ok || s.compact() {
		t.Errorf("an earlier status without parts: %+v, %v", s, ok)
	}
	if _, ok := ParseStatus(`{"version":"v0.0.1","parts":[]}`); ok {
		t.Error("a status without parts or spec hash is read as stagehand's")
	}
}

func TestSameSet(t *testing.T) {
	for _, tc := range []struct {
		a, b []string
		want bool
	}{
		{nil, nil, true},
		{[]string{"a", "b"}, []string{"b", "a"}, true},
		{[]string{"a", "a", "b"}, []string{"a", "b", "b"}, false},
		{[]string{"a"}, []string{"a", "a"}, false},
		{[]string{"a", "b"}, []string{"a", "c"}, false},
	} {
		if got := sameSet(tc.a, tc.b); got != tc.want {
			t.Errorf("sameSet(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { sameSet([]string{"x", "y", "z"}, []string{"z", "y", "x"}) }); n != 0 {
		t.Errorf("sameSet allocates %v times per call, want 0", n)
	}
}
