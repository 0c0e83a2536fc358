package chart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The part of charts/stagehand/README.md that TestReadmeValues writes.
const (
	valuesBegin = "<!-- values:begin: generated from values.yaml by `go test ./test/chart -run TestReadmeValues -update` -->"
	valuesEnd   = "<!-- values:end -->"
)

// TestReadmeValues: README.md's table of values is the one values.yaml's
// comments give: every value with its default and the comment above it.
// A value without a comment fails, so that none is undocumented.
func TestReadmeValues(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	table, err := valuesTable(raw)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(chartDir, "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := bytes.Index(readme, []byte(valuesBegin)), bytes.Index(readme, []byte(valuesEnd))
	if begin < 0 || end < begin {
		t.Fatalf("README.md has no %s ... %s section", valuesBegin, valuesEnd)
	}
	want := string(readme[:begin]) + valuesBegin + "\n\n" + table + "\n" + string(readme[end:])
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(readme) != want {
		t.Errorf("README.md's values table is not values.yaml's: run go test ./test/chart -run TestReadmeValues -update")
	}
}

// valuesTable is the Markdown table of the values of values.yaml.
func valuesTable(raw []byte) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return "", err
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return "", fmt.Errorf("values.yaml is not a mapping")
	}
	var b strings.Builder
	b.WriteString("| Value | Default | Description |\n| --- | --- | --- |\n")
	if err := valueRows(&b, "", doc.Content[0]); err != nil {
		return "", err
	}
	return b.String(), nil
}

// valueRows writes a row for each key of mapping m under prefix: a key
// whose value is a mapping of commented keys is a section (its comment, no
// default) followed by their rows; any other is a value with its default.
func valueRows(b *strings.Builder, prefix string, m *yaml.Node) error {
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, value := m.Content[i], m.Content[i+1]
		path := prefix + key.Value
		desc := comment(key.HeadComment)
		if desc == "" {
			return fmt.Errorf("values.yaml: %s has no comment to describe it", path)
		}
		if section(value) {
			fmt.Fprintf(b, "| **`%s`** | | %s |\n", path, cell(desc))
			if err := valueRows(b, path+".", value); err != nil {
				return err
			}
			continue
		}
		def, err := defaultOf(value)
		if err != nil {
			return fmt.Errorf("values.yaml: %s: %w", path, err)
		}
		fmt.Fprintf(b, "| `%s` | `%s` | %s |\n", path, cell(def), cell(desc))
	}
	return nil
}

// section tells a mapping whose keys are described from a map value.
func section(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && len(n.Content) > 0 && n.Content[0].HeadComment != ""
}

// comment is the text of the comment lines directly above a key: its last
// paragraph, without the marks.
func comment(head string) string {
	paragraphs := strings.Split(strings.TrimSpace(head), "\n\n")
	var words []string
	for _, line := range strings.Split(paragraphs[len(paragraphs)-1], "\n") {
		words = append(words, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#")))
	}
	return strings.TrimSpace(strings.Join(words, " "))
}

// defaultOf is a value as JSON: "" for an empty string, [] and {} for empty
// collections.
func defaultOf(n *yaml.Node) (string, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return "", err
	}
	if s, ok := v.(string); ok && s != "" {
		return s, nil
	}
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return strings.TrimSpace(j.String()), err
}

// cell escapes what would end a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
