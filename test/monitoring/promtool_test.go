package monitoring

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// promtoolTimeout bounds one promtool run.
const promtoolTimeout = 2 * time.Minute

// promtoolTool is $PROMTOOL, or bin/promtool of `make promtool-assets`.
var promtoolTool = testenv.Tool{Find: func() (string, error) {
	return testenv.ToolPath("PROMTOOL", filepath.Join(repoRoot, "bin", "promtool"), "promtool-assets")
}}

// promtoolBinary is promtool's path, or the end of the test without it.
func promtoolBinary(t *testing.T) string { return promtoolTool.Path(t) }

// promtool runs promtool with args in dir and returns its output, or an
// error with it. promtool reads local files only; every HTTP request it
// might make goes to a closed port of 127.0.0.1.
func promtool(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), promtoolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtoolBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HTTP_PROXY=http://127.0.0.1:1", "HTTPS_PROXY=http://127.0.0.1:1",
		"http_proxy=http://127.0.0.1:1", "https_proxy=http://127.0.0.1:1",
		"NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("promtool %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// writeRules writes the PrometheusRule's spec, as a Prometheus rules file,
// to dir/rules.yaml; without annotations when strip is set.
func writeRules(t *testing.T, dir string, strip bool) {
	t.Helper()
	spec := rules(t, build(t))
	if strip {
		for g := range spec.Groups {
			for r := range spec.Groups[g].Rules {
				spec.Groups[g].Rules[r].Annotations = nil
			}
		}
	}
	b, err := yaml.Marshal(spec)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "rules.yaml"), b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestPromtoolCheckRules: promtool accepts the rules, annotations (their
// templates) included, and finds as many as the PrometheusRule has.
func TestPromtoolCheckRules(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, false)
	out, err := promtool(t, dir, "check", "rules", "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules(t, build(t)).Groups {
		n += len(g.Rules)
	}
	if want := fmt.Sprintf("SUCCESS: %d rules found", n); !strings.Contains(out, want) {
		t.Errorf("promtool check rules says %q, want %q", out, want)
	}
}

// TestPromtoolTestRules: testdata/rules_test.yaml, run by promtool test
// rules against the rules, shows every alert firing when it should and not
// otherwise. The annotations are left out there: promtool compares them
// whole, and TestMetricNamesExist checks what they say.
func TestPromtoolTestRules(t *testing.T) {
	dir := t.TempDir()
	writeRules(t, dir, true)
	tests, err := os.ReadFile(filepath.Join("testdata", "rules_test.yaml"))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "rules_test.yaml"), tests, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Every alert is tested.
	for _, g := range rules(t, build(t)).Groups {
		for _, r := range g.Rules {
			if !bytes.Contains(tests, []byte("alertname: "+r.Alert+"\n")) {
				t.Errorf("testdata/rules_test.yaml does not test alert %s", r.Alert)
			}
		}
	}
	if _, err := promtool(t, dir, "test", "rules", "rules_test.yaml"); err != nil {
		t.Fatal(err)
	}
}
