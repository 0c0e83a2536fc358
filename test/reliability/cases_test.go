package reliability

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

const goldenDir = "../../testdata/inject"

// uidPlaceholder is replaced by each request's own UID.
const uidPlaceholder = "reliability-uid-placeholder"

// podPointers maps each kind that carries a pod to its JSON pointer, as
// pkg/offline does.
var podPointers = map[string][]string{
	"v1/Pod": nil, "v1/ReplicationController": {"spec", "template"},
	"apps/Deployment": {"spec", "template"}, "apps/StatefulSet": {"spec", "template"},
	"apps/DaemonSet": {"spec", "template"}, "apps/ReplicaSet": {"spec", "template"},
	"batch/Job": {"spec", "template"}, "batch/CronJob": {"spec", "jobTemplate", "spec", "template"},
}

// reviewCase is one pod sent to the webhook, with the response the
// in-process handler gives it.
type reviewCase struct {
	name string
	// body is the AdmissionReview with uidPlaceholder as its UID.
	body     []byte
	allowed  bool
	patch    any // the decoded JSON patch; nil when there is none
	warnings []string
}

// request returns the AdmissionReview body with uid.
func (c *reviewCase) request(uid string) []byte {
	return bytes.Replace(c.body, []byte(uidPlaceholder), []byte(uid), 1)
}

// check compares a response with the expected one.
func (c *reviewCase) check(resp *admissionv1.AdmissionResponse, uid string) error {
	var problems []string
	if string(resp.UID) != uid {
		problems = append(problems, fmt.Sprintf("UID %q, want %q", resp.UID, uid))
	}
	if resp.Allowed != c.allowed {
		problems = append(problems, fmt.Sprintf("allowed %v, want %v", resp.Allowed, c.allowed))
	}
	if !slices.Equal(resp.Warnings, c.warnings) {
		problems = append(problems, fmt.Sprintf("warnings %q, want %q", resp.Warnings, c.warnings))
	}
	got, err := decodePatch(resp.Patch)
	if err != nil {
		problems = append(problems, err.Error())
	} else if !reflect.DeepEqual(got, c.patch) {
		problems = append(problems, fmt.Sprintf("patch differs from the in-process handler's:\n%s", resp.Patch))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", c.name, strings.Join(problems, "; "))
	}
	return nil
}

func decodePatch(raw []byte) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var ops []any
	if err := json.Unmarshal(raw, &ops); err != nil {
		return nil, fmt.Errorf("undecodable patch %q: %w", raw, err)
	}
	return ops, nil
}

// admittedCases are the pods of every golden case that is not a denial,
// with the in-process handler's responses under the servers' settings.
func admittedCases(t *testing.T) []*reviewCase {
	t.Helper()
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []*reviewCase
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".in.yaml")
		if !ok {
			continue
		}
		out, err := os.ReadFile(filepath.Join(goldenDir, name+".out.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(out, []byte("# denied:")) || bytes.Contains(out, []byte("\n# denied:")) {
			continue
		}
		in, err := os.ReadFile(filepath.Join(goldenDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		pods, err := podsOf(in)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for i, p := range pods {
			c, err := newCase(fmt.Sprintf("%s#%d", name, i+1), p.pod, p.namespace)
			if err != nil {
				t.Fatal(err)
			}
			if !c.allowed {
				t.Fatalf("%s: the in-process handler denies a pod the golden file admits", c.name)
			}
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		t.Fatal("no admitted golden cases")
	}
	return cases
}

type namespacedPod struct {
	pod       map[string]any
	namespace string
}

// podsOf returns the pods and pod templates of multi-document YAML.
func podsOf(data []byte) ([]namespacedPod, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var pods []namespacedPod
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return pods, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading YAML: %w", err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("parsing YAML: %w", err)
		}
		apiVersion, _ := obj["apiVersion"].(string)
		kind, _ := obj["kind"].(string)
		group, _, _ := strings.Cut(apiVersion, "/")
		if !strings.Contains(apiVersion, "/") {
			group = "v1"
		}
		pointer, ok := podPointers[group+"/"+kind]
		if !ok {
			continue
		}
		pod := obj
		for _, key := range pointer {
			pod, _ = pod[key].(map[string]any)
		}
		if pod == nil {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		ns, _ := meta["namespace"].(string)
		pods = append(pods, namespacedPod{pod: pod, namespace: ns})
	}
}

// newCase builds the AdmissionReview of a pod and answers it in process.
func newCase(name string, pod map[string]any, namespace string) (*reviewCase, error) {
	raw, err := json.Marshal(pod)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	body, err := admissiontest.Review(uidPlaceholder, namespace, admissionv1.Create, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	resp, err := handleInProcess(body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	patch, err := decodePatch(resp.Patch)
	if err != nil {
		return nil, fmt.Errorf("%s: in-process handler: %w", name, err)
	}
	return &reviewCase{name: name, body: body, allowed: resp.Allowed, patch: patch, warnings: resp.Warnings}, nil
}

// handleInProcess answers an AdmissionReview with pkg/webhook's Handler
// under the injection settings of the servers.
func handleInProcess(body []byte) (*admissionv1.AdmissionResponse, error) {
	cfg, err := config.LoadInjection(injectionArgs(), nil)
	if err != nil {
		return nil, fmt.Errorf("loading the injection settings: %w", err)
	}
	resp, err := admissiontest.Answer(&webhook.Handler{Injector: inject.New(cfg.InjectOptions())}, body)
	if err != nil {
		return nil, fmt.Errorf("in-process answer: %w", err)
	}
	return resp, nil
}
