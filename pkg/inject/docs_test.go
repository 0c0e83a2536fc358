package inject

import (
	"github.com/stagehand-k8s/stagehand/internal/generated"

	"go/types"

	"flag"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/annotations.md from the registry")

const docsPath = "../../docs/annotations.md"

// TestDocsMatchRegistry fails when docs/annotations.md drifts from the
// registry. `make docs` regenerates it.
func TestDocsMatchRegistry(t *testing.T) {
	generated.Check(t, docsPath, []byte(annotations.Markdown(Registry(), Rules())), *update, "make docs")
}

// TestRegistryComplete checks that every key constant (a constant spelled
// Prefix + "..." in package annotations or annotations.Prefix + "..." here)
// is registered exactly once, and every registered key is complete.
func TestRegistryComplete(t *testing.T) {
	declared := map[string]bool{}
	for dir, prefix := range map[string]string{".": "annotations.Prefix", "../annotations": "Prefix"} {
		fset := token.NewFileSet()
		pkgs, err := goparser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range pkgs {
			for _, f := range pkg.Files {
				ast.Inspect(f, func(n ast.Node) bool {
					bin, ok := n.(*ast.BinaryExpr)
					if !ok || bin.Op != token.ADD || types.ExprString(bin.X) != prefix {
						return true
					}
					if lit, ok := bin.Y.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						declared[annotations.Prefix+strings.Trim(lit.Value, `"`)] = true
					}
					return true
				})
			}
		}
	}
	delete(declared, annotations.NamespaceLabel) // a label, not an annotation: it shares the name of Inject
	declared[annotations.Inject] = true
	registered := map[string]bool{}
	for _, k := range Registry() {
		if registered[k.Name] {
			t.Errorf("%s is registered twice", k.Name)
		}
		registered[k.Name] = true
		if !declared[k.Name] {
			t.Errorf("%s is registered but has no constant", k.Name)
		}
		if k.Description == "" || k.Default == "" || k.Valid == "" || k.Validate == nil {
			t.Errorf("%s: registry entry is incomplete: %+v", k.Name, k)
		}
	}
	for name := range declared {
		if !registered[name] {
			t.Errorf("constant for %s is not in the registry", name)
		}
	}
	if len(declared) < 20 {
		t.Errorf("found only %d key constants; the source scan is broken", len(declared))
	}
}
