package webhook

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// BenchmarkHandleMR3Worker measures one admission of the MR3 ContainerWorker
// pod of the golden tests, as the server runs it: reading the
// AdmissionReview, parsing, injecting, and writing the patched answer.
func BenchmarkHandleMR3Worker(b *testing.B) {
	benchmarkHandle(b, "../../testdata/inject/mr3-worker.in.yaml")
}

// BenchmarkHandleMR3WorkerAgent adds dependencies and the agent.
func BenchmarkHandleMR3WorkerAgent(b *testing.B) {
	benchmarkHandle(b, "../../testdata/inject/mr3-worker-agent.in.yaml")
}

func benchmarkHandle(b *testing.B, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkHandleJSON(b, raw)
}

// benchmarkHandleJSON is benchmarkHandle for a pod given as JSON. The
// request and response writer are reused, as net/http reuses a
// connection's: what is measured is the handler's own work.
func benchmarkHandleJSON(b *testing.B, raw []byte) {
	h := &Handler{Injector: inject.New(inject.Options{Version: "bench", AgentImage: "agent:bench"})}
	body := reviewOf(b, "2a7b1c4e-bench", "hivemr3", admissionv1.Create, raw)
	if out := serveReview(b, h, body); !out.Response.Allowed || len(out.Response.Patch) == 0 {
		b.Fatalf("not injected: %+v", out.Response.Result)
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
	for b.Loop() {
		reader.Reset(body)
		req.Body = readCloser{reader}
		h.ServeHTTP(w, req)
	}
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ header http.Header }

var _ http.ResponseWriter = (*discardWriter)(nil)

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
