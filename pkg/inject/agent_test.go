package inject

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

var agentOptions = Options{
	Version: "test", AgentImage: "agent:test",
	Entrypoints: Entrypoints{"apache/spark:*": {"/opt/entrypoint.sh"}, "apache/spark:3.5.3-python": {"/opt/py-entrypoint.sh"}},
}

func TestAgentWrapsAndUnwraps(t *testing.T) {
	tests := map[string]struct {
		container corev1.Container
		wrapped   []string
	}{
		"explicit command": {
			container: corev1.Container{Name: "main", Image: "hive", Command: []string{"/run.sh", "-x"}, Args: []string{"a"}},
			wrapped:   []string{AgentBinary, "run", "--", "/run.sh", "-x"},
		},
		"entrypoint from pattern": {
			container: corev1.Container{Name: "main", Image: "apache/spark:3.5.3", Args: []string{"executor"}},
			wrapped:   []string{AgentBinary, "run", "--", "/opt/entrypoint.sh"},
		},
		"exact entrypoint wins over pattern": {
			container: corev1.Container{Name: "main", Image: "apache/spark:3.5.3-python"},
			wrapped:   []string{AgentBinary, "run", "--", "/opt/py-entrypoint.sh"},
		},
	}
	in := New(agentOptions)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := newPod(map[string]string{Agent: "true"}, tc.container)
			_, injected := injectChecked(t, in, pod)
			c := injected.Spec.Containers[0]
			if !slices.Equal(c.Command, tc.wrapped) || !slices.Equal(c.Args, tc.container.Args) {
				t.Fatalf("command %q args %q, want %q args %q", c.Command, c.Args, tc.wrapped, tc.container.Args)
			}
			if len(injected.Spec.InitContainers) != 1 || injected.Spec.InitContainers[0].Name != InitContainer {
				t.Fatalf("init containers = %+v", injected.Spec.InitContainers)
			}
			// Turning the agent off restores the container exactly.
			injected.Annotations[Agent] = "false"
			_, restored := injectChecked(t, in, injected)
			if got := restored.Spec.Containers[0]; !reflect.DeepEqual(got.Command, tc.container.Command) || len(restored.Spec.InitContainers) != 0 {
				t.Fatalf("after opting out of the agent: command %q, init containers %d; want %q, 0", got.Command, len(restored.Spec.InitContainers), tc.container.Command)
			}
		})
	}
}

func TestAgentGraceFitsPodGrace(t *testing.T) {
	for grace, want := range map[int64]string{30: "", 12: "", 11: "8s", 2: "1s", 1: "1s"} {
		pod := &Input{Spec: InputSpec{TerminationGracePeriodSeconds: &grace}}
		if got := agentGrace(pod); got != want {
			t.Errorf("pod grace %ds: agent grace %q, want %q", grace, got, want)
		}
	}
}

func TestUserInitContainersStayAfterOurs(t *testing.T) {
	in := New(agentOptions)
	pod := newPod(map[string]string{Agent: "true", Jars: "https://h.example.com/a.jar"},
		corev1.Container{Name: "main", Command: []string{"x"}})
	pod.Spec.InitContainers = []corev1.Container{{Name: "user-1"}, {Name: "user-2"}}
	_, got := injectChecked(t, in, pod)
	var names []string
	for _, c := range got.Spec.InitContainers {
		names = append(names, c.Name)
	}
	if want := []string{InitContainer, "user-1", "user-2"}; !slices.Equal(names, want) {
		t.Fatalf("init containers %v, want %v", names, want)
	}
	pod = newPod(map[string]string{Agent: "true"}, corev1.Container{Name: "main", Command: []string{"x"}})
	pod.Spec.InitContainers = []corev1.Container{{Name: InitContainer}}
	if _, err := injectPod(t, in, pod); err == nil {
		t.Fatal("a user init container named like ours was not denied")
	}
}

func TestNoAgentImageIsAConfigurationError(t *testing.T) {
	_, err := injectPod(t, New(Options{Version: "test"}), newPod(map[string]string{Agent: "true"}, corev1.Container{Name: "m", Command: []string{"x"}}))
	if err == nil {
		t.Fatal("want an error")
	}
	if _, denied := err.(*Denied); denied {
		t.Fatal("a configuration error must not read as the user's fault")
	}
}

// TestInjectedEnvCoversEveryInjection: every env var any injection adds
// is one whose value Env decodes, so that re-injection sees it.
func TestInjectedEnvCoversEveryInjection(t *testing.T) {
	in := New(agentOptions)
	pod := newPod(map[string]string{
		Agent: "true", Jars: "https://h.example.com/a.jar", ATSSecret: "s",
		TimelineURL: "http://ats:8188", ServiceAccountToken: "true", ATSKeytabSecret: "k",
	}, corev1.Container{Name: "main", Command: []string{"x"}})
	_, got := injectChecked(t, in, pod)
	status, _ := ParseStatus(got.Annotations[annotations.Status])
	if len(status.Env["main"]) < 9 {
		t.Fatalf("too few env vars injected to check: %v", status.Env)
	}
	for _, c := range append(got.Spec.InitContainers, got.Spec.Containers...) {
		for _, e := range c.Env {
			if !injectedEnv[e.Name] {
				t.Errorf("container %s: env %s is injected but no injection owns it", c.Name, e.Name)
			}
		}
	}
}

// TestNoCommandReason: a target container the agent cannot wrap (no
// command, an image outside the entrypoint map) is denied with its own
// metric reason, every such container at once; mixed with a clash of
// stagehand's volumes, the denial counts as a conflict.
func TestNoCommandReason(t *testing.T) {
	in := New(agentOptions)
	pod := newPod(map[string]string{Agent: "true"},
		corev1.Container{Name: "a", Image: "mr3project/hive:4"}, corev1.Container{Name: "b", Image: "other:1"})
	_, err := in.Inject(mustInput(t, pod))
	var d *Denied
	if !errors.As(err, &d) || d.Reason != ReasonNoCommand || len(d.Errors) != 2 {
		t.Fatalf("two containers without commands: %v, want a %s denial with 2 errors", err, ReasonNoCommand)
	}
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: DataVolume})
	_, err = in.Inject(mustInput(t, pod))
	if !errors.As(err, &d) || d.Reason != ReasonConflict {
		t.Fatalf("with a clashing volume too: %v, want a %s denial", err, ReasonConflict)
	}
}

func mustInput(t *testing.T, pod *corev1.Pod) *Input {
	t.Helper()
	in, err := InputOf(pod)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestNoCommandWithInvalidAnnotations: a container the agent cannot wrap is
// named in the same denial as invalid annotations, not only once they are
// fixed.
func TestNoCommandWithInvalidAnnotations(t *testing.T) {
	opts := agentOptions
	opts.AllowedDependencyHosts = []string{"*.example.com"}
	pod := newPod(map[string]string{Agent: "true", Jars: "https://evil.example.org/a.jar"}, corev1.Container{Name: "a", Image: "mr3project/hive:4"})
	_, err := New(opts).Inject(mustInput(t, pod))
	var d *Denied
	if !errors.As(err, &d) || d.Reason != ReasonInvalid || len(d.Errors) != 2 {
		t.Fatalf("%v, want one %s denial naming the host and the missing command", err, ReasonInvalid)
	}
	if d.Errors[1].Field != "spec.containers[0].command" {
		t.Errorf("errors %v, want the missing command second", d.Errors)
	}
}
