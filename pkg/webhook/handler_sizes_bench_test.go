package webhook

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// plainPodJSON is a one-container pod that asks for the projected token
// only: the least injection a pod can ask for.
const plainPodJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"plain","namespace":"hivemr3",
"annotations":{"stagehand.io/service-account-token":"true"}},
"spec":{"containers":[{"name":"main","image":"busybox:1.36","command":["sleep","3600"]}]}}`

// BenchmarkHandlePlain measures the smallest injected pod.
func BenchmarkHandlePlain(b *testing.B) {
	benchmarkHandleJSON(b, []byte(plainPodJSON), nil, nil)
}

// BenchmarkHandle64KiB measures the MR3 worker with dependencies and the
// agent, padded to 64 KiB with about 900 environment variables, as
// bench/cmd/stagehand-bench sends it.
func BenchmarkHandle64KiB(b *testing.B) {
	data, err := os.ReadFile("../../testdata/inject/mr3-worker-agent.in.yaml")
	if err != nil {
		b.Fatal(err)
	}
	pod := &corev1.Pod{}
	if err := yaml.Unmarshal(data, pod); err != nil {
		b.Fatal(err)
	}
	value := strings.Repeat("abcdefghijklmnopqrstuvwxyz", 2)[:38]
	c := &pod.Spec.Containers[0]
	var raw []byte
	for n := 0; ; n++ {
		if n%10 == 0 {
			if raw, err = json.Marshal(pod); err != nil {
				b.Fatal(err)
			}
			if len(raw) >= 64<<10 {
				break
			}
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("BENCH_VAR_%04d", n), Value: value})
	}
	benchmarkHandleJSON(b, raw, nil, nil)
}

// BenchmarkHandleManyContainers measures pods of n containers of which
// stagehand injects one: the time grows linearly with n.
func BenchmarkHandleManyContainers(b *testing.B) {
	for _, n := range []int{250, 2000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			benchmarkHandleJSON(b, manyContainersPod(b, n, "c1"), nil, nil)
		})
	}
}
