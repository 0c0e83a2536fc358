package integration

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/fuzzpod"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// corpusDir is the checked-in seed corpus of the injector's fuzz target.
const corpusDir = "../../pkg/inject/testdata/fuzz/FuzzInject"

// TestFuzzCorpusPassesAPIServerValidation replays the injector's fuzz
// corpus through the real API server: every pod the injector accepts must
// also pass the API server's own validation once injected, and every pod it
// denies must be denied with stagehand's message. Pods the API server
// rejects before any injection (the fuzzer also makes invalid annotation
// keys) are skipped.
func TestFuzzCorpusPassesAPIServerValidation(t *testing.T) {
	s := env(t)
	optedIn := s.newNamespace(t, map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled})
	plain := s.newNamespace(t, nil)
	entries, err := os.ReadDir(corpusDir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("reading the corpus %s: %v (%d entries)", corpusDir, err, len(entries))
	}
	injector := inject.New(inject.Options{Version: "test", AgentImage: "registry.example.com/stagehand/agent:test"})
	var accepted, denied, skipped int
	for _, e := range entries {
		base, spec, err := readCorpusEntry(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		// The API server's own view of the pod, before injection.
		original := fuzzpod.Pod(base, spec)
		original.Namespace = plain
		if err := s.client.Create(t.Context(), original, client.DryRunAll); err != nil {
			skipped++
			continue
		}
		local, err := inject.InputOf(fuzzpod.Pod(base, spec))
		if err != nil {
			t.Fatal(err)
		}
		_, injectErr := injector.Inject(local)
		pod := fuzzpod.Pod(base, spec)
		pod.Namespace = optedIn
		createErr := s.client.Create(t.Context(), pod, client.DryRunAll)
		var deniedErr *inject.Denied
		switch {
		case errors.As(injectErr, &deniedErr):
			denied++
			if createErr == nil || !strings.Contains(createErr.Error(), "stagehand cannot inject this pod") {
				t.Errorf("%s: the injector denies %q, but the API server gave %v", e.Name(), spec, createErr)
			}
		case injectErr != nil:
			t.Errorf("%s: injecting %q: %v", e.Name(), spec, injectErr)
		default:
			accepted++
			if createErr != nil {
				t.Errorf("%s: the injector accepts %q, but the API server rejects the injected pod: %v", e.Name(), spec, createErr)
			}
		}
	}
	t.Logf("RELIABILITY corpus-replay entries=%d accepted=%d denied=%d skipped=%d", len(entries), accepted, denied, skipped)
	if accepted == 0 || denied == 0 {
		t.Errorf("the corpus exercises too little: %d accepted, %d denied", accepted, denied)
	}
}

// readCorpusEntry reads a `go test fuzz v1` file of FuzzInject: a uint8 (or
// byte) and a string.
func readCorpusEntry(path string) (uint8, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, "", err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || lines[0] != "go test fuzz v1" {
		return 0, "", errors.New("not a two-value go test fuzz v1 file")
	}
	var base uint8
	switch arg := lines[1]; {
	case strings.HasPrefix(arg, "byte("):
		// The fuzzer writes a byte as a rune literal: 'x', '\n' or '\u0091'.
		inner := strings.TrimSuffix(strings.TrimPrefix(arg, "byte('"), "')")
		r, _, rest, err := strconv.UnquoteChar(inner, '\'')
		if err != nil || rest != "" || r > 0xff {
			return 0, "", fmt.Errorf("byte literal %s: %v", arg, err)
		}
		base = uint8(r)
	case strings.HasPrefix(arg, "uint8("):
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(arg, "uint8("), ")"), 0, 8)
		if err != nil {
			return 0, "", err
		}
		base = uint8(n)
	default:
		return 0, "", errors.New("first value is not a uint8")
	}
	spec, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "string("), ")"))
	return base, spec, err
}
