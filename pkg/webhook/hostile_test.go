package webhook

import (
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestHostileSizesAreDeniedCheaply: annotation values of 256 KiB and
// thousands of stagehand.io/ keys get a short, clear denial, and the memory
// the handler allocates stays proportional to the request.
func TestHostileSizesAreDeniedCheaply(t *testing.T) {
	huge := strings.Repeat("x", 256<<10)
	many := map[string]string{}
	for i := range 5000 {
		many["stagehand.io/key-"+strconv.Itoa(i)] = "v"
	}
	tests := map[string]struct {
		anns map[string]string
		want string
	}{
		"256 KiB value":               {map[string]string{"stagehand.io/timeline-url": huge, "stagehand.io/ats-secret": huge}, "Too long: 262144 bytes, may not be more than 4096 bytes"},
		"5,000 keys":                  {many, "metadata.annotations: Too many: 5000"},
		"5,000 keys and a huge value": {mapWith(many, "stagehand.io/jars", huge), "Too many"},
	}
	h := &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"})}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(map[string]any{
				"metadata": map[string]any{"name": "hostile", "annotations": tc.anns},
				"spec":     map[string]any{"containers": []map[string]string{{"name": "main", "image": "busybox"}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			body := reviewOf(t, "hostile", "ns", admissionv1.Create, raw)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			resp := serveReview(t, h, body)
			runtime.ReadMemStats(&after)
			if resp.Allowed || !strings.Contains(resp.Result.Message, tc.want) {
				t.Fatalf("allowed=%v message %.300q, want a denial containing %q", resp.Allowed, resp.Result.Message, tc.want)
			}
			if len(resp.Result.Message) > 4096 {
				t.Errorf("denial message is %d bytes; it must not echo the input", len(resp.Result.Message))
			}
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > uint64(8*len(raw))+1<<20 {
				t.Errorf("allocated %d bytes for a %d-byte request", allocated, len(raw))
			}
		})
	}
}

func mapWith(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}
