package webhook

import (
	"context"
	"os"
	"testing"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// BenchmarkHandleMR3Worker measures parse, inject and patch for the MR3
// ContainerWorker pod of the golden tests, as the server runs them.
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
	h := &Handler{Injector: inject.New(inject.Options{Version: "bench", AgentImage: "agent:bench"})}
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: admissionv1.Create, Namespace: "hivemr3", Object: runtime.RawExtension{Raw: raw},
	}}
	// Production logs at info level: debug lines are not rendered.
	ctx := log.IntoContext(context.Background(), logr.Discard())
	b.ReportAllocs()
	for b.Loop() {
		resp := h.Handle(ctx, req)
		if !resp.Allowed || len(resp.Patch) == 0 {
			b.Fatalf("not injected: %+v", resp.Result)
		}
	}
}
