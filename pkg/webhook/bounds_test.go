package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// manyContainers is the review of manyContainersPod.
func manyContainers(t testing.TB, n int, targets string, command ...string) []byte {
	t.Helper()
	return reviewOf(t, "many", "ns", admissionv1.Create, manyContainersPod(t, n, targets, command...))
}

// manyContainersPod is admissiontest.ManyContainers.
func manyContainersPod(t testing.TB, n int, targets string, command ...string) []byte {
	t.Helper()
	raw, err := admissiontest.ManyContainers(n, targets, command...)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func boundsHandler() *Handler {
	return &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"}), Cache: NewCache(16)}
}

// TestAdmissionSizeLimits: a pod that would make a huge answer, or whose
// decoding would take many times its size, is denied with a short message
// that names the limit and the count, and costs the handler memory in
// proportion to its request, not to the answer it would have had (about
// 46 MB for 20,000 containers before the limits) or to its Go values (256
// bytes for each 3-byte "{}" volume).
func TestAdmissionSizeLimits(t *testing.T) {
	h := boundsHandler()
	tests := map[string]struct {
		body       []byte
		want       string
		wantReason string
	}{
		"20,000 containers": {
			body:       manyContainers(t, 20000, ""),
			want:       fmt.Sprintf("spec.containers: Too many: stagehand decodes at most %d bytes of Go values from the fields of a pod it reads", MaxDecodedBytes),
			wantReason: inject.ReasonTooLarge,
		},
		"20,000 empty volumes": {
			body:       emptyVolumes(t, 20000),
			want:       "spec.volumes: Too many: stagehand decodes at most",
			wantReason: inject.ReasonTooLarge,
		},
		"100 target containers": {
			body:       manyContainers(t, 100, ""),
			want:       fmt.Sprintf("spec.containers: Too many: 100: stagehand injects into at most %d containers", annotations.MaxTargetContainers),
			wantReason: inject.ReasonInvalid,
		},
		"65 listed containers": {
			body:       manyContainers(t, 100, strings.Join(containerNames(65), ",")),
			want:       "metadata.annotations[stagehand.io/containers]: Too many: 65",
			wantReason: inject.ReasonInvalid,
		},
		"a patch over the limit": {
			body:       manyContainers(t, annotations.MaxTargetContainers, "", "/run.sh", strings.Repeat("x", 20<<10)),
			want:       fmt.Sprintf("the patch stagehand would make is larger than %d bytes", MaxPatchBytes),
			wantReason: inject.ReasonTooLarge,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := AdmissionCount(resultDenied, tc.wantReason)
			allocated, rec := allocatedBy(h, tc.body)
			resp := answerOf(t, rec)
			if resp.Allowed || !strings.Contains(resp.Result.Message, tc.want) {
				t.Fatalf("allowed=%v %.400q, want a denial containing %q", resp.Allowed, resp.Result.Message, tc.want)
			}
			if rec.Body.Len() > 4096 {
				t.Errorf("the denial is %d bytes", rec.Body.Len())
			}
			if got := AdmissionCount(resultDenied, tc.wantReason) - before; got != 1 {
				t.Errorf("stagehand_admission_total{denied,%s} grew by %v, want 1", tc.wantReason, got)
			}
			if limit := uint64(20*len(tc.body)) + 4<<20; allocated > limit {
				t.Errorf("allocated %d bytes for a %d-byte request, more than %d", allocated, len(tc.body), limit)
			}
			t.Logf("request %d bytes, allocated %d", len(tc.body), allocated)
		})
	}
	t.Run("one target of 2,000 containers", func(t *testing.T) {
		body := manyContainers(t, 2000, "c7")
		allocated, rec := allocatedBy(h, body)
		resp := answerOf(t, rec)
		if !resp.Allowed || len(resp.Patch) == 0 || len(resp.Patch) > 16<<10 {
			t.Fatalf("allowed=%v with a %d-byte patch, want the one container injected", resp.Allowed, len(resp.Patch))
		}
		if limit := uint64(20*len(body)) + 4<<20; allocated > limit {
			t.Errorf("allocated %d bytes for a %d-byte request, more than %d", allocated, len(body), limit)
		}
	})
}

// emptyVolumes is the review of a one-container pod with n volumes written
// as "{}": three bytes of JSON, 256 bytes of Go each.
func emptyVolumes(t testing.TB, n int) []byte {
	t.Helper()
	raw := `{"metadata":{"annotations":{"stagehand.io/agent":"true"}},"spec":{"containers":[{"name":"c","command":["x"]}],"volumes":[` +
		strings.Repeat("{},", n-1) + `{}]}}`
	return reviewOf(t, "empty", "ns", admissionv1.Create, []byte(raw))
}

func containerNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "c" + strconv.Itoa(i)
	}
	return names
}

// allocatedBy serves body and returns the bytes the process allocated
// meanwhile, the recorder's copy of the answer included.
func allocatedBy(h http.Handler, body []byte) (uint64, *httptest.ResponseRecorder) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := admissiontest.Serve(h, body)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, rec
}

func answerOf(t *testing.T, rec *httptest.ResponseRecorder) *admissionv1.AdmissionResponse {
	t.Helper()
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil || out.Response == nil {
		t.Fatalf("HTTP %d, not an AdmissionReview (%v): %.300s", rec.Code, err, rec.Body)
	}
	return out.Response
}

// TestRequestDeadline: the handler stops working on a request whose
// deadline has passed (the API server's timeout parameter) or whose caller
// has gone, and says so.
func TestRequestDeadline(t *testing.T) {
	h := boundsHandler()
	body := manyContainers(t, 3, "")
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for name, req := range map[string]*http.Request{
		"deadline passed": admissiontest.Request("timeout=1ns", bytes.NewReader(body)),
		"caller gone":     admissiontest.Request("timeout=5s", bytes.NewReader(body)).WithContext(gone),
	} {
		t.Run(name, func(t *testing.T) {
			before := AdmissionCount(resultError, reasonTimeout)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			resp := answerOf(t, rec)
			if resp.Allowed || resp.Result == nil || resp.Result.Code != http.StatusGatewayTimeout {
				t.Errorf("allowed=%v result %+v, want a 504 error", resp.Allowed, resp.Result)
			}
			if got := AdmissionCount(resultError, reasonTimeout) - before; got != 1 {
				t.Errorf("stagehand_admission_total{error,timeout} grew by %v, want 1", got)
			}
		})
	}
	t.Run("timeout parameter within bounds", func(t *testing.T) {
		req := admissiontest.Request("x=1&timeout=5s", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if resp := answerOf(t, rec); !resp.Allowed {
			t.Errorf("denied with a 5 s deadline: %+v", resp.Result)
		}
	})
}

// trickle is a body that sends a few bytes and then fails, as a client
// that stalls until the server's read timeout.
type trickle struct{ sent bool }

func (b *trickle) Read(p []byte) (int, error) {
	if b.sent {
		return 0, errors.New("i/o timeout")
	}
	b.sent = true
	return copy(p, `{"apiVersion":"admission.k8s.io/v1"`), nil
}

// TestBodyNotSizedByContentLength: a request that promises 7 MiB and sends
// a few bytes costs a few KiB, not the 7 MiB it promised.
func TestBodyNotSizedByContentLength(t *testing.T) {
	h := boundsHandler()
	req := admissiontest.Request("", &trickle{})
	req.ContentLength = maxRequestSize
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	runtime.ReadMemStats(&after)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "reading the request") {
		t.Errorf("HTTP %d %q, want the read error in the answer", rec.Code, rec.Body)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 256<<10 {
		t.Errorf("a body that promised %d bytes and sent 35 allocated %d bytes", maxRequestSize, allocated)
	}
}

// TestBodyBudget: the bytes of large bodies come from one budget; a body
// that finds it spent waits at most its deadline and is refused, while a
// small body still reads.
func TestBodyBudget(t *testing.T) {
	budget := semaphore.NewWeighted(1 << 20)
	ctx := deadline{ctx: context.Background(), at: time.Now().Add(time.Minute)} // a bug hangs no longer than this
	large := bytes.Repeat([]byte("x"), 1<<20)
	held := reservation{budget: budget}
	var a bytes.Buffer
	if err := readBody(ctx, bytes.NewReader(large), int64(len(large)), &a, &held); err != nil {
		t.Fatalf("first large body: %v", err)
	}
	if held.held == 0 {
		t.Fatal("a 1 MiB body reserved nothing")
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	expired := deadline{ctx: gone, at: ctx.at}
	waiting := reservation{budget: budget}
	var b bytes.Buffer
	if err := readBody(expired, bytes.NewReader(large), -1, &b, &waiting); !errors.Is(err, errBusy) {
		t.Errorf("a second large body with the budget spent: %v, want errBusy", err)
	}
	waiting.release()
	small := reservation{budget: budget}
	var c bytes.Buffer
	if err := readBody(expired, bytes.NewReader(large[:freeRequestBytes/2]), -1, &c, &small); err != nil || small.held != 0 {
		t.Errorf("a small body with the budget spent: %v, %d bytes reserved; want it read from its own allowance", err, small.held)
	}
	held.release()
	if !budget.TryAcquire(1 << 20) {
		t.Error("the budget is not whole again after every reservation was released")
	}
	var d bytes.Buffer
	if err := readBody(ctx, io.MultiReader(bytes.NewReader(large), bytes.NewReader(make([]byte, maxRequestSize))), -1, &d, &reservation{budget: semaphore.NewWeighted(maxRequestSize)}); !errors.Is(err, errBodyTooLarge) {
		t.Errorf("a body over %d bytes: %v, want errBodyTooLarge", maxRequestSize, err)
	}
}
