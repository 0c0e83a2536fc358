package webhook

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"
	corev1 "k8s.io/api/core/v1"
)

// podWith is a pod of one container with n elements in one of the places a
// pod's values are decoded: in lists of the API types, and inside package
// inject's own decoders of env vars and annotations.
func podWith(where string, n int, element func(i int) string) []byte {
	elements := make([]string, n)
	for i := range elements {
		elements[i] = element(i)
	}
	list := strings.Join(elements, ",")
	switch where {
	case "annotations":
		return []byte(`{"metadata":{"annotations":{` + list + `}},"spec":{"containers":[{"name":"c"}]}}`)
	case "env":
		return []byte(`{"spec":{"containers":[{"name":"c","env":[` + list + `]}]}}`)
	case "ports of an init container":
		return []byte(`{"spec":{"containers":[{"name":"c"}],"initContainers":[{"name":"i","ports":[` + list + `]}]}}`)
	default: // sources of a projected volume
		return []byte(`{"spec":{"containers":[{"name":"c"}],"volumes":[{"name":"v","projected":{"sources":[` + list + `]}}]}}`)
	}
}

// places are where podWith puts elements, each element's JSON, the least
// Go memory it takes and the part of the pod it is in.
var places = []struct {
	where   string
	element func(i int) string
	size    int
	part    string
}{
	{"annotations", func(i int) string { return `"stagehand.io/k` + strconv.Itoa(i) + `":""` }, 16, "metadata.annotations"},
	{"env", func(int) string { return `{}` }, int(reflect.TypeFor[corev1.EnvVar]().Size()), "spec.containers"},
	{"ports of an init container", func(int) string { return `{}` }, int(reflect.TypeFor[corev1.ContainerPort]().Size()), "spec.initContainers"},
	{"sources of a projected volume", func(int) string { return `{}` }, int(reflect.TypeFor[corev1.VolumeProjection]().Size()), "spec.volumes"},
}

func testDeadline() deadline {
	return deadline{ctx: context.Background(), at: time.Now().Add(10 * time.Second)} // a bug hangs no longer
}

// TestDecodingCountsEveryValue: decoding counts each element it decodes,
// at any depth and inside package inject's own decoders, at least at its
// Go size.
func TestDecodingCountsEveryValue(t *testing.T) {
	d := newDecoding()
	for _, p := range places {
		t.Run(p.where, func(t *testing.T) {
			var values [2]int
			var bytes [2]int64
			for i, n := range []int{1, 1001} {
				res := reservation{budget: semaphore.NewWeighted(decodeBudgetBytes)}
				if _, err := d.decode(testDeadline(), &res, podWith(p.where, n, p.element)); err != nil {
					t.Fatal(err)
				}
				values[i], bytes[i] = d.values, d.bytes
			}
			if values[1]-values[0] < 1000 || bytes[1]-bytes[0] < int64(1000*p.size) {
				t.Errorf("1,000 more elements counted as %d values, %d bytes; want at least 1000, %d", values[1]-values[0], bytes[1]-bytes[0], 1000*p.size)
			}
		})
	}
}

// TestDecodingStopsAtTheBound: a pod of 300,000 empty elements, at any
// depth, is stopped at MaxDecodedBytes: the denial names the part of the
// pod, and what decoding allocated is bounded by MaxDecodedBytes, not by
// the pod (tens of MB of Go values, several times that with the growth of
// its lists).
func TestDecodingStopsAtTheBound(t *testing.T) {
	d := newDecoding()
	for _, p := range places {
		t.Run(p.where, func(t *testing.T) {
			pod := podWith(p.where, 300_000, p.element)
			res := reservation{budget: semaphore.NewWeighted(decodeBudgetBytes)}
			defer res.release()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := d.decode(testDeadline(), &res, pod)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, errDecodedTooLarge) || d.bytes > MaxDecodedBytes {
				t.Fatalf("decoding %d bytes: %v after %d bytes; want it stopped at %d", len(pod), err, d.bytes, MaxDecodedBytes)
			}
			if msg := d.tooLarge().Error(); !strings.Contains(msg, p.part+": Too many: stagehand decodes at most "+strconv.Itoa(MaxDecodedBytes)+" bytes") {
				t.Errorf("denial %q does not name %s and the bound", msg, p.part)
			}
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 6*MaxDecodedBytes {
				t.Errorf("decoding allocated %d bytes before it stopped, more than 6 times %d", allocated, MaxDecodedBytes)
			}
			if res.held < 2*MaxDecodedBytes {
				t.Errorf("the request reserved %d bytes of the budget when its values passed %d", res.held, MaxDecodedBytes)
			}
		})
	}
}

// TestDecodingWaitsForTheBudget: a pod whose values need more than the
// budget has room for waits until its deadline and is stopped with errBusy,
// and one whose body and values fit in its own first bytes reserves
// nothing.
func TestDecodingWaitsForTheBudget(t *testing.T) {
	d := newDecoding()
	budget := semaphore.NewWeighted(3 << 19)
	large := podWith("env", 5_000, func(int) string { return `{}` })
	res := reservation{budget: budget}
	if _, err := d.decode(testDeadline(), &res, large); err != nil || res.held == 0 {
		t.Fatalf("the first large pod: %v, %d bytes reserved", err, res.held)
	}
	soon := deadline{ctx: context.Background(), at: time.Now().Add(500 * time.Millisecond)}
	waiting := reservation{budget: budget}
	if _, err := d.decode(soon, &waiting, large); !errors.Is(err, errBusy) {
		t.Errorf("a second large pod with the budget spent: %v, want errBusy", err)
	}
	res.release()
	waiting.release()
	small := reservation{budget: budget}
	if _, err := d.decode(testDeadline(), &small, goldenPod(t, "mr3-worker-agent")); err != nil || small.held != 0 {
		t.Errorf("the MR3 pod: %v, %d bytes reserved; want it decoded within its own allowance", err, small.held)
	}
}

// TestDecodingStopsAtTheDeadline: decoding stops when the request's
// caller has gone.
func TestDecodingStopsAtTheDeadline(t *testing.T) {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	res := reservation{budget: semaphore.NewWeighted(decodeBudgetBytes)}
	pod := goldenPod(t, "mr3-worker-agent")
	if _, err := newDecoding().decode(deadline{ctx: gone, at: time.Now().Add(time.Minute)}, &res, pod); !errors.Is(err, context.Canceled) {
		t.Errorf("decoding for a caller that has gone: %v, want context.Canceled", err)
	}
}
