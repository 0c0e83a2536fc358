package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// BenchmarkHandleMR3Worker measures one admission of the MR3 ContainerWorker
// pod of the golden tests by a handler without cache: reading the
// AdmissionReview, parsing, injecting, and writing the patched answer.
func BenchmarkHandleMR3Worker(b *testing.B) {
	benchmarkHandle(b, "../../testdata/inject/mr3-worker.in.yaml", nil)
}

// BenchmarkHandleMR3WorkerAgent adds dependencies and the agent.
func BenchmarkHandleMR3WorkerAgent(b *testing.B) {
	benchmarkHandle(b, "../../testdata/inject/mr3-worker-agent.in.yaml", nil)
}

// BenchmarkHandleCachedMR3WorkerAgent measures the handler as the server
// runs it, cache on, admitting the next worker of a job: the same pod under
// another name and UID, answered from the cache.
func BenchmarkHandleCachedMR3WorkerAgent(b *testing.B) {
	benchmarkHandle(b, "../../testdata/inject/mr3-worker-agent.in.yaml", NewCache(16))
}

// BenchmarkHandleCachedMR3WorkerAgentProfiles is the cached admission in a
// namespace with a profile that selects other pods: what profiles add to a
// pod that carries its own annotations.
func BenchmarkHandleCachedMR3WorkerAgentProfiles(b *testing.B) {
	other := v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-executors", Namespace: "hivemr3"},
		Spec: v1alpha1.InjectionProfileSpec{
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"spark-role": "executor"}},
			Annotations: map[string]string{inject.ServiceAccountToken: "true"},
		},
	}
	benchmarkHandleWith(b, "../../testdata/inject/mr3-worker-agent.in.yaml", NewCache(16), profiles.Static{other})
}

func benchmarkHandle(b *testing.B, path string, cache *Cache) {
	benchmarkHandleWith(b, path, cache, nil)
}

func benchmarkHandleWith(b *testing.B, path string, cache *Cache, source ProfileSource) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkHandleJSON(b, raw, cache, source)
}

// benchmarkHandleJSON is benchmarkHandle for a pod given as JSON. The
// request and response writer are reused, as net/http reuses a
// connection's: what is measured is the handler's own work. With a cache,
// each request is the next pod of the job: its name and UID are numbered.
func benchmarkHandleJSON(b *testing.B, raw []byte, cache *Cache, source ProfileSource) {
	h := &Handler{Injector: inject.New(inject.Options{Version: "bench", AgentImage: "agent:bench"}), Cache: cache, Profiles: source}
	var pod map[string]any
	if err := json.Unmarshal(raw, &pod); err != nil {
		b.Fatal(err)
	}
	meta, _ := pod["metadata"].(map[string]any)
	meta["name"] = "worker-" + numberMarker
	raw, err := json.Marshal(pod)
	if err != nil {
		b.Fatal(err)
	}
	template := loadgen.NewTemplate(reviewOf(b, "2a7b1c4e-bench-"+numberMarker, "hivemr3", admissionv1.Create, raw), numberMarker)
	body := template.Body(0)
	if out := serveReview(b, h, body); !out.Allowed || len(out.Patch) == 0 {
		b.Fatalf("not injected: %+v", out.Result)
	}
	// Production logs at info level: debug lines are not rendered.
	ctx := log.IntoContext(context.Background(), logr.Discard())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, Path, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	reader := bytes.NewReader(body)
	w := &discardWriter{header: http.Header{}}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var n uint64
	for b.Loop() {
		if cache != nil {
			n++
			body = template.AppendBody(body[:0], n)
		}
		reader.Reset(body)
		req.Body = readCloser{reader}
		h.ServeHTTP(w, req)
	}
}

// numberMarker is where a request's number goes.
const numberMarker = "@N@"

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ header http.Header }

var _ http.ResponseWriter = (*discardWriter)(nil)

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
