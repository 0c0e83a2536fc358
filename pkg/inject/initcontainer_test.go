package inject

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// TestOneInitContainer: the agent, the dependencies, or both, give one init
// container, whose command has each one's step in table order (the fetch's
// flags, then --install), with the larger resources of the two, the union
// of their mounts, and the sum of their shares of the emptyDir.
func TestOneInitContainer(t *testing.T) {
	in := New(agentOptions)
	jar := "https://h.example.com/a.jar"
	for name, tc := range map[string]struct {
		anns             map[string]string
		args             []string
		mounts           []string
		cpuLimit, memory string
		size             string
	}{
		"agent": {
			anns: map[string]string{Agent: "true"}, args: []string{"--install"},
			mounts: []string{"stagehand@/stagehand"}, cpuLimit: "100m", memory: "64Mi", size: "64Mi",
		},
		"dependencies": {
			anns: map[string]string{Jars: jar, DependenciesAuthSecret: "t"}, args: []string{"--jar=" + jar},
			mounts: []string{"stagehand@/stagehand", DepsSecretsVolume + "@" + agentapi.SecretsDir}, cpuLimit: "1", memory: "256Mi", size: "2Gi",
		},
		"both, and the timeline": {
			anns: map[string]string{Agent: "true", Jars: jar, TimelineURL: "http://ats:8188", FetchTimeout: "90s", DepsSizeLimit: "1Gi"},
			args: []string{"--jar=" + jar, "--timeout=1m30s", "--max-total-bytes=1073741824", "--install"},
			// 1Gi, and 64Mi for the agent, 64Mi for the spool.
			mounts: []string{"stagehand@/stagehand"}, cpuLimit: "1", memory: "256Mi", size: "1152Mi",
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, got := injectChecked(t, in, newPod(tc.anns, corev1.Container{Name: "main", Command: []string{"x"}}))
			if got == nil || len(got.Spec.InitContainers) != 1 {
				t.Fatalf("want one init container, got %+v", got)
			}
			ic := got.Spec.InitContainers[0]
			if want := append([]string{agentapi.ImageBinary, agentapi.CommandInit}, tc.args...); ic.Name != InitContainer || !slices.Equal(ic.Command, want) {
				t.Errorf("init container %s runs %q, want %s running %q", ic.Name, ic.Command, InitContainer, want)
			}
			if got := mountsOf(&ic); !slices.Equal(got, tc.mounts) {
				t.Errorf("init mounts %v, want %v", got, tc.mounts)
			}
			if cpu, mem := ic.Resources.Limits[corev1.ResourceCPU], ic.Resources.Limits[corev1.ResourceMemory]; cpu.String() != tc.cpuLimit || mem.String() != tc.memory {
				t.Errorf("limits %v, want cpu %s, memory %s", ic.Resources.Limits, tc.cpuLimit, tc.memory)
			}
			if v := volumeOf(mustInput(t, got), DataVolume); v == nil || v.EmptyDir == nil || v.EmptyDir.SizeLimit.Cmp(resource.MustParse(tc.size)) != 0 {
				t.Errorf("the emptyDir %+v, want a sizeLimit of %s", v, tc.size)
			}
			if tc.anns[TimelineURL] != "" {
				var env []string
				for _, e := range ic.Env {
					env = append(env, e.Name)
				}
				if want := []string{TimelineURLEnv, PodNameEnv, PodNamespaceEnv, NodeNameEnv}; !slices.Equal(env, want) {
					t.Errorf("init env %v, want %v: the agent derives its name and spool", env, want)
				}
			}
		})
	}
}

// TestDataMountsFollowTheAnnotations: when the files' directory changes,
// the files' mount moves in place and the others stay; when the pod no longer
// asks for dependencies, their mounts and flags go and the agent's stay,
// in an emptyDir of the agent's size.
func TestDataMountsFollowTheAnnotations(t *testing.T) {
	in := New(agentOptions)
	pod := newPod(map[string]string{Agent: "true", Jars: "https://h.example.com/a.jar"},
		corev1.Container{Name: "main", Command: []string{"x"}, VolumeMounts: []corev1.VolumeMount{{Name: "own", MountPath: "/own"}}})
	pod.Spec.Volumes = []corev1.Volume{{Name: "own"}}
	_, once := injectChecked(t, in, pod)
	want := []string{"own@/own", "stagehand@" + DefaultJarsDir, "stagehand@" + DefaultFilesDir, "stagehand@" + agentapi.BinDir}
	if got := mountsOf(&once.Spec.Containers[0]); !slices.Equal(got, want) {
		t.Fatalf("mounts %v, want %v", got, want)
	}

	once.Annotations[FilesDir] = "/opt/files"
	_, moved := injectChecked(t, in, once)
	want[2] = "stagehand@/opt/files"
	if got := mountsOf(&moved.Spec.Containers[0]); !slices.Equal(got, want) {
		t.Errorf("after moving the files: mounts %v, want %v", got, want)
	}
	for _, m := range moved.Spec.Containers[0].VolumeMounts {
		if m.MountPath == "/opt/files" && m.SubPath != "files" {
			t.Errorf("the files' mount %+v is not of their directory", m)
		}
	}
	if err := checkValid(moved); err != nil {
		t.Fatal(err)
	}

	delete(moved.Annotations, Jars)
	delete(moved.Annotations, FilesDir)
	_, agentOnly := injectChecked(t, in, moved)
	if got, want := mountsOf(&agentOnly.Spec.Containers[0]), []string{"own@/own", "stagehand@" + agentapi.BinDir}; !slices.Equal(got, want) {
		t.Errorf("without dependencies: mounts %v, want %v", got, want)
	}
	if c := agentOnly.Spec.InitContainers[0].Command; strings.Contains(strings.Join(c, " "), "--jar") {
		t.Errorf("without dependencies the init container still fetches: %q", c)
	}
	if v := volumeOf(mustInput(t, agentOnly), DataVolume); v == nil || v.EmptyDir.SizeLimit.String() != "64Mi" {
		t.Errorf("without dependencies the emptyDir is %+v, want the agent's 64Mi", v)
	}
	if s := statusOf(t, agentOnly); slices.Contains(s.Env["main"], SparkClasspathEnv) {
		t.Errorf("the status still owns the classpath: %+v", s)
	}
}

// TestFetchFlagsLeaveOutWhatTheAgentDerives: the defaults the agent knows
// are not written; what differs is, with the webhook's allowlist.
func TestFetchFlagsLeaveOutWhatTheAgentDerives(t *testing.T) {
	d := &DepsSpec{Jars: []string{"https://h/a.jar"}, Files: []string{"https://h/f"}, Archives: []string{"https://h/v.tgz"},
		JarsDir: "/elsewhere", FilesDir: DefaultFilesDir, Parallelism: DefaultFetchParallelism, FetchTimeout: DefaultFetchTimeout,
		CAConfigMap: "ca", AuthSecret: "t"}
	want := []string{"--jar=https://h/a.jar", "--file=https://h/f", "--archive=https://h/v.tgz"}
	if got := fetchFlags(d, agentapi.DefaultDepsBytes, nil); !slices.Equal(got, want) {
		t.Errorf("defaults: %q, want %q", got, want)
	}
	d.Parallelism, d.FetchTimeout = 9, 2*time.Hour
	want = append(want, "--parallelism=9", "--timeout=2h", "--max-total-bytes=1024", "--allowed-hosts=*.example.com,h")
	if got := fetchFlags(d, 1024, []string{"*.example.com", "h"}); !slices.Equal(got, want) {
		t.Errorf("settings: %q, want %q", got, want)
	}
	if q := resource.MustParse(DefaultDepsSizeLimit); q.Value() != agentapi.DefaultDepsBytes {
		t.Errorf("the webhook's default size limit %s is not the agent's %d bytes", DefaultDepsSizeLimit, agentapi.DefaultDepsBytes)
	}
}

func TestFlagDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		6 * time.Hour: "6h", 90 * time.Minute: "1h30m", 45 * time.Minute: "45m", 90 * time.Second: "1m30s",
		time.Minute: "1m", 10 * time.Second: "10s", 2*time.Hour + time.Second: "2h0m1s", 1500 * time.Millisecond: "1.5s",
	} {
		if got := flagDuration(d); got != want {
			t.Errorf("flagDuration(%v) = %q, want %q", d, got, want)
		} else if back, err := time.ParseDuration(got); err != nil || back != d {
			t.Errorf("%q parses as %v, %v; want %v", got, back, err, d)
		}
	}
}

// TestLargerResources: the init container gets the larger of each quantity,
// whichever step comes first.
func TestLargerResources(t *testing.T) {
	small := resources("10m", "16Mi", "100m", "64Mi")
	large := resources("50m", "64Mi", "1", "256Mi")
	for _, order := range [][2]corev1.ResourceRequirements{{small, large}, {large, small}} {
		var got corev1.ResourceRequirements
		for _, r := range order {
			got.Requests = larger(got.Requests, r.Requests)
			got.Limits = larger(got.Limits, r.Limits)
		}
		for name, q := range large.Limits {
			if have := got.Limits[name]; have.Cmp(q) != 0 {
				t.Errorf("limit %s %s, want the larger %s", name, have.String(), q.String())
			}
		}
		for name, q := range large.Requests {
			if have := got.Requests[name]; have.Cmp(q) != 0 {
				t.Errorf("request %s %s, want the larger %s", name, have.String(), q.String())
			}
		}
	}
}
