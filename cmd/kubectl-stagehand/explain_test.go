package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/explain")

// TestExplainExamples: `kubectl stagehand explain -f` on each example of
// manifests/examples, in a cluster where manifests/base and the examples'
// profiles are installed, prints testdata/explain/<example>.golden
// (rewritten with -update).
func TestExplainExamples(t *testing.T) {
	examples, err := filepath.Glob(filepath.Join(manifestsDir, "examples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	l := liveOf(t, fakeCluster(t), "default")
	explained := 0
	for _, file := range examples {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		if name == "kustomization" || name == "config" {
			continue // no pod
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := explainManifest(t.Context(), l, data, &out); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "explain", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/kubectl-stagehand -run TestExplainExamples -update)", err)
			}
			if out.String() != string(want) {
				t.Errorf("explain -f %s:\n%s\nwant (%s):\n%s", file, out.String(), golden, want)
			}
			if !strings.Contains(out.String(), "=> would be injected") {
				t.Errorf("an example that is not injected:\n%s", out.String())
			}
		})
		explained++
	}
	if explained < 4 {
		t.Errorf("explained %d examples, want the four of manifests/examples", explained)
	}
}

// TestExplainArgs: explain takes pod NAME or -f, not both, nothing else.
func TestExplainArgs(t *testing.T) {
	for _, args := range [][]string{
		{"explain"}, {"explain", "pod"}, {"explain", "deployment", "web"}, {"explain", "pod", "a", "b"},
		{"explain", "pod", "a", "-f", "x.yaml"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "explain:") || stdout.Len() > 0 {
			t.Errorf("%q: error %v, stdout %q; want a usage error", args, err, stdout.String())
		}
	}
}

// forbiddenReader may not read namespaces nor list InjectionProfiles, as
// many users of a cluster.
type forbiddenReader struct{ client.Reader }

func (r forbiddenReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*corev1.Namespace); ok {
		return apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, key.Name, errors.New("no"))
	}
	return r.Reader.Get(ctx, key, obj, opts...)
}

func (r forbiddenReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if _, ok := list.(*v1alpha1.InjectionProfileList); ok {
		return apierrors.NewForbidden(schema.GroupResource{Group: "stagehand.io", Resource: "injectionprofiles"}, "", errors.New("no"))
	}
	return r.Reader.List(ctx, list, opts...)
}

// TestExplainForbidden: what the user may not read is not checked, and
// said so, instead of failing.
func TestExplainForbidden(t *testing.T) {
	l := liveOf(t, fakeCluster(t), "default")
	l.reader = forbiddenReader{l.reader}
	data, err := os.ReadFile(filepath.Join(manifestsDir, "examples", "spark-executor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := explainManifest(t.Context(), l, data, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- namespace hivemr3-demo not checked: you may not read it", "- InjectionProfiles not read: you may not list them",
		"=> not injected: nothing of its own asks for an injection; an InjectionProfile of its namespace may (not read: you may not list them)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, out.String())
		}
	}
}
