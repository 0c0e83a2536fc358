package offline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// TestGoldenThroughHandler sends the pod of every golden case through the
// admission webhook's HTTP handler, applies the JSON patch it returns to the
// original object, and compares the result with the golden output. It proves
// that the server and the offline injector agree, and that the patch keeps
// what the Go types do not know. Each pod is sent again under another name
// and namespace, as the next pod of the same job: the handler's cache must
// give the very same answer.
func TestGoldenThroughHandler(t *testing.T) {
	h := &webhook.Handler{Injector: inject.New(goldenOptions), Cache: webhook.NewCache(64)}
	for _, name := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			h := h
			if list := goldenInjector(t, name).Profiles; list != nil {
				h = &webhook.Handler{Injector: h.Injector, Cache: h.Cache, Profiles: profiles.Static(list)}
			}
			inDocs := documents(t, readFile(t, filepath.Join(goldenDir, name+".in.yaml")))
			golden := readFile(t, filepath.Join(goldenDir, name+".out.yaml"))
			denied := bytes.HasPrefix(golden, []byte("# denied:")) || bytes.Contains(golden, []byte("\n# denied:"))
			var outDocs []map[string]any
			if !denied {
				outDocs = documents(t, golden)
				if len(outDocs) != len(inDocs) {
					t.Fatalf("golden output has %d documents, input %d", len(outDocs), len(inDocs))
				}
			}
			for i, doc := range inDocs {
				pointer, ok := podPointer(doc)
				if !ok {
					continue
				}
				pod, _ := lookup(doc, pointer)
				resp := review(t, h, pod, namespaceOf(doc))
				hits := webhook.CacheLookups("hit")
				// The next pod of the job, in another namespace unless
				// profiles, which select by namespace, are in play.
				next := "another-" + namespaceOf(doc)
				if h.Profiles != nil {
					next = namespaceOf(doc)
				}
				again := review(t, h, renamed(pod), next)
				if !again.Allowed && again.Result != nil && again.Result.Details != nil {
					// A denial names its pod, for kubectl's "The Pod ... is invalid".
					if again.Result.Details.Name != "next-of-the-job" {
						t.Errorf("the denial of the next pod names %q, want next-of-the-job", again.Result.Details.Name)
					}
					again.Result.Details.Name = resp.Result.Details.Name
				}
				if !reflect.DeepEqual(again, resp) {
					t.Errorf("the next pod of the job got another answer:\n%+v\nfirst:\n%+v", again, resp)
				}
				// A pod that carries no stagehand.io/ annotation and that
				// no profile selects is answered before the cache.
				unselected := h.Profiles != nil && len(resp.Patch) == 0 && !ownKeys(pod)
				if resp.Allowed && !unselected && webhook.CacheLookups("hit") != hits+1 {
					t.Errorf("the next pod of the job was not answered from the cache")
				}
				for _, w := range resp.Warnings {
					if !bytes.Contains(golden, []byte(w)) {
						t.Errorf("handler warning %q is not in the golden file", w)
					}
				}
				if denied {
					if resp.Allowed || !bytes.Contains(golden, []byte(resp.Result.Message)) {
						t.Errorf("handler gave allowed=%v message %q; golden denial:\n%s", resp.Allowed, resp.Result.Message, golden)
					}
					continue
				}
				if !resp.Allowed {
					t.Fatalf("handler denied a pod the golden file admits: %s", resp.Result.Message)
				}
				got := patched(t, pod, resp.Patch)
				want, _ := lookup(outDocs[i], pointer)
				if !reflect.DeepEqual(got, want) {
					g, _ := yaml.Marshal(got)
					w, _ := yaml.Marshal(want)
					t.Errorf("document %d: handler patch result differs from golden:\n--- handler\n%s\n--- golden\n%s", i+1, g, w)
				}
			}
		})
	}
}

// renamed is a copy of pod with another name and namespace, as the next pod
// an MR3 DAGAppMaster or a Spark driver creates.
func renamed(pod map[string]any) map[string]any {
	meta, _ := pod["metadata"].(map[string]any)
	out := maps.Clone(pod)
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["name"], meta["namespace"], meta["generateName"] = "next-of-the-job", "another", "next-"
	out["metadata"] = meta
	return out
}

func review(t *testing.T, h http.Handler, pod map[string]any, namespace string) *admissionv1.AdmissionResponse {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	body, err := admissiontest.Review("golden", namespace, admissionv1.Create, raw)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := admissiontest.Answer(h, body)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func patched(t *testing.T, pod map[string]any, patch []byte) map[string]any {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	if len(patch) > 0 {
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			t.Fatalf("handler returned an undecodable patch %s: %v", patch, err)
		}
		if raw, err = p.Apply(raw); err != nil {
			t.Fatalf("applying the handler's patch %s: %v", patch, err)
		}
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// documents parses multi-document YAML into generic objects, skipping empty
// documents as Inject does.
func documents(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []map[string]any
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			t.Fatal(err)
		}
		if obj != nil {
			docs = append(docs, obj)
		}
	}
}

func podPointer(doc map[string]any) (string, bool) {
	raw, _ := json.Marshal(doc)
	var obj object
	if json.Unmarshal(raw, &obj) != nil {
		return "", false
	}
	gk, err := obj.groupKind()
	if err != nil {
		return "", false
	}
	pointer, ok := templatePointers[gk]
	if !ok {
		return "", false
	}
	_, found := lookup(doc, pointer)
	return pointer, found
}

func namespaceOf(doc map[string]any) string {
	meta, _ := doc["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	return strings.TrimSpace(ns)
}

// ownKeys reports whether a pod carries a stagehand.io/ annotation.
func ownKeys(pod map[string]any) bool {
	meta, _ := pod["metadata"].(map[string]any)
	anns, _ := meta["annotations"].(map[string]any)
	for k := range anns {
		if strings.HasPrefix(k, annotations.Prefix) {
			return true
		}
	}
	return false
}
