package guard

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// part is an injection as the policy sees it: its table entry and the name
// of the variable that tells whether the pod's annotations ask for it.
type part struct {
	inject.About
	ident string
}

// asked is the CEL of "the annotations ask for the injection".
func (p part) asked() string { return "variables." + p.ident }

// initContainer is one of stagehand's init containers with the CEL of
// "an injection that adds it is asked for".
type initContainer struct {
	name  string
	asked string
}

// identifier matches a CEL identifier.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// celReserved are CEL's reserved words, which no variable may be named.
var celReserved = map[string]bool{
	"true": true, "false": true, "null": true, "in": true, "as": true, "break": true, "const": true,
	"continue": true, "else": true, "for": true, "function": true, "if": true, "import": true, "let": true,
	"loop": true, "package": true, "namespace": true, "return": true, "var": true, "void": true, "while": true,
}

// camel turns a part name such as "ats-key" into an identifier: "atsKey".
func camel(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_')
	})
	for i := 1; i < len(words); i++ {
		words[i] = strings.ToUpper(words[i][:1]) + words[i][1:]
	}
	return strings.Join(words, "")
}

// snake turns an env var name into the tail of an identifier, keeping its
// spelling where it can: "ATS_SECRET_KEY" stays, "a.b-c" is "a_b_c".
func snake(name string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// quote is s as a CEL string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// list is names as a CEL list literal.
func list(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = quote(n)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// sum is the CEL of the concatenation of lists, one a line; [] when there
// are none.
func sum(lists []string) string {
	if len(lists) == 0 {
		return "[]"
	}
	return strings.Join(lists, " +\n")
}

// plural is the CEL that picks one or many after the size of the list
// variable v.
func plural(v, one, many string) string {
	return fmt.Sprintf("(size(variables.%s) == 1 ? %s : %s)", v, quote(one), quote(many))
}

// names checks that the policy's variables have distinct, valid names.
type names map[string]bool

func (n names) add(name string) error {
	switch {
	case !identifier.MatchString(name) || celReserved[name]:
		return fmt.Errorf("guard variable %q is not a CEL identifier", name)
	case n[name]:
		return fmt.Errorf("two guard variables are named %q", name)
	}
	n[name] = true
	return nil
}

// parts names the variable of each injection and checks the table says
// what the policy needs.
func parts(injections []inject.About, taken names) ([]part, error) {
	ps := make([]part, 0, len(injections))
	for _, a := range injections {
		p := part{About: a, ident: camel(a.Part)}
		if a.Part == "" || strings.TrimSpace(a.Guard.Asked) == "" {
			return nil, fmt.Errorf("injection %q: the guard needs its part name and the CEL that tells whether it is asked for", a.Part)
		}
		if err := taken.add(p.ident); err != nil {
			return nil, fmt.Errorf("injection %q: %w", a.Part, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// inits are stagehand's init containers in the order they run, the order
// the table first names them in. Several injections may add the same one
// (each contributes to it): it is there when any of them is asked for.
func inits(ps []part) []initContainer {
	return owned(ps, func(p part) []string { return p.Owns.InitContainers })
}

// owned lists the names the parts own, in the order the table first names
// them, each with the CEL of "a part that owns it is asked for".
func owned(ps []part, names func(part) []string) []initContainer {
	var out []initContainer
	owners := map[string][]string{}
	for _, p := range ps {
		for _, name := range names(p) {
			if _, seen := owners[name]; !seen {
				out = append(out, initContainer{name: name})
			}
			owners[name] = append(owners[name], p.asked())
		}
	}
	for i := range out {
		out[i].asked = or(owners[out[i].name])
	}
	return out
}

// or is the CEL of "one of conditions holds".
func or(conditions []string) string {
	if len(conditions) == 1 {
		return conditions[0]
	}
	return "(" + strings.Join(conditions, " || ") + ")"
}
