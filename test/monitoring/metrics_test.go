package monitoring

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// kubeStateMetrics are the metrics of kube-state-metrics the rules and the
// dashboard may use: the only ones stagehand does not export.
var kubeStateMetrics = []string{"kube_deployment_status_replicas_available"}

// TestMetricNamesExist: every metric an alert or a dashboard query names is
// one the webhook's code registers (the Name of a prometheus.*Opts in pkg/
// or cmd/, with a histogram's _bucket, _sum and _count), or one of
// kubeStateMetrics. Every alert also names a summary, a description and a
// runbook in docs/operations.md, and the one reading kube-state-metrics
// says so.
func TestMetricNamesExist(t *testing.T) {
	known := exportedMetrics(t)
	for _, m := range kubeStateMetrics {
		known[m] = true
	}
	anchors := sectionAnchors(t, filepath.Join(repoRoot, "docs", "operations.md"))
	objects := build(t)
	check := func(where, expr string) {
		names := metricNames(expr)
		if len(names) == 0 {
			t.Errorf("%s: no metric found in %q", where, expr)
		}
		for _, n := range names {
			if !known[n] {
				t.Errorf("%s: metric %s is neither the webhook's nor one of kube-state-metrics' allowed here (%q)", where, n, expr)
			}
		}
	}
	for _, g := range rules(t, objects).Groups {
		for _, r := range g.Rules {
			check("alert "+r.Alert, r.Expr)
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("alert %s has no annotation %s", r.Alert, a)
				}
			}
			if _, anchor, ok := strings.Cut(r.Annotations["runbook_url"], "docs/operations.md#"); !ok || !anchors[anchor] {
				t.Errorf("alert %s: runbook_url %q is not a section of docs/operations.md", r.Alert, r.Annotations["runbook_url"])
			}
			if strings.Contains(r.Expr, "kube_") && !strings.Contains(r.Annotations["description"], "kube-state-metrics") {
				t.Errorf("alert %s reads kube-state-metrics, its description does not say it needs it", r.Alert)
			}
		}
	}
	d := dashboard(t, objects)
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			check("panel "+strconv.Quote(p.Title), q.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			check("variable "+v.Name, v.Definition)
		}
	}
}

// exportedMetrics returns the names of the metrics the code in pkg/ and
// cmd/ defines: the Name field of every prometheus.CounterOpts, GaugeOpts,
// HistogramOpts and SummaryOpts literal (a Namespace or Subsystem, which
// would prefix it, is refused), with the series names a histogram and a
// summary add.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	fset := token.NewFileSet()
	for _, dir := range []string{"pkg", "cmd"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				sel, ok := lit.Type.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "prometheus" || !strings.HasSuffix(sel.Sel.Name, "Opts") {
					return true
				}
				for _, el := range lit.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					key, _ := kv.Key.(*ast.Ident)
					if key == nil {
						continue
					}
					switch key.Name {
					case "Namespace", "Subsystem":
						t.Errorf("%s: prometheus.%s sets %s: this test reads Name alone", fset.Position(kv.Pos()), sel.Sel.Name, key.Name)
					case "Name":
						bl, ok := kv.Value.(*ast.BasicLit)
						if !ok || bl.Kind != token.STRING {
							t.Errorf("%s: a metric Name that is not a string literal", fset.Position(kv.Pos()))
							continue
						}
						name, _ := strconv.Unquote(bl.Value)
						names[name] = true
						switch sel.Sel.Name {
						case "HistogramOpts":
							names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
						case "SummaryOpts":
							names[name+"_sum"], names[name+"_count"] = true, true
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !names["stagehand_admission_total"] {
		t.Fatalf("found no stagehand_admission_total in pkg/ and cmd/ (found %v): the search is broken", slices.Sorted(maps.Keys(names)))
	}
	return names
}

// sectionAnchors returns the anchors GitHub gives the headings of a
// Markdown file: lower case, spaces as "-", other punctuation dropped.
func sectionAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		title, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if !ok || !strings.HasPrefix(line, "#") {
			continue
		}
		anchors[strings.Map(func(r rune) rune {
			switch {
			case r == ' ' || r == '-':
				return '-'
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
				return unicode.ToLower(r)
			}
			return -1
		}, title)] = true
	}
	return anchors
}
