package guard

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestFileHoldsPolicy: each file, comments, styles and key order aside, is
// exactly the typed policy and binding, and carries no unknown field.
func TestFileHoldsPolicy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		file    func([]inject.About) ([]byte, error)
		policy  func([]inject.About) (*admissionregistrationv1.ValidatingAdmissionPolicy, error)
		binding *admissionregistrationv1.ValidatingAdmissionPolicyBinding
	}{
		{Name, File, Policy, Binding()},
		{ProfileName, ProfileFile, ProfilePolicy, ProfileBinding()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, err := tc.file(inject.Injections())
			if err != nil {
				t.Fatal(err)
			}
			docs := bytes.Split(file, []byte("\n---\n"))
			if len(docs) != 2 {
				t.Fatalf("%d YAML documents, want the policy and its binding", len(docs))
			}
			var (
				gotPolicy  admissionregistrationv1.ValidatingAdmissionPolicy
				gotBinding admissionregistrationv1.ValidatingAdmissionPolicyBinding
			)
			if err := yaml.UnmarshalStrict(docs[0], &gotPolicy); err != nil {
				t.Fatalf("the policy: %v", err)
			}
			if err := yaml.UnmarshalStrict(docs[1], &gotBinding); err != nil {
				t.Fatalf("the binding: %v", err)
			}
			want, err := tc.policy(inject.Injections())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&gotPolicy, want) {
				t.Errorf("the file's policy differs from the typed one:\n%+v\nwant\n%+v", gotPolicy.Spec, want.Spec)
			}
			if !reflect.DeepEqual(&gotBinding, tc.binding) {
				t.Errorf("the file's binding differs from the typed one:\n%+v", gotBinding.Spec)
			}
			for _, line := range strings.Split(string(file), "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "#") && len(line) > width {
					t.Errorf("comment line longer than %d characters: %s", width, line)
				}
			}
		})
	}
}

// TestPolicyFollowsTable: in each guard policy, each injection has its
// variable, and everything its Guard names is checked; in the profile
// guard, only for the pods the profile selects.
func TestPolicyFollowsTable(t *testing.T) {
	own, err := Policy(inject.Injections())
	if err != nil {
		t.Fatal(err)
	}
	profile, err := ProfilePolicy(inject.Injections())
	if err != nil {
		t.Fatal(err)
	}
	followsTable(t, own, "")
	followsTable(t, profile, "!variables.selected || ")
}

// followsTable checks policy p, whose every validation begins with only.
func followsTable(t *testing.T, p *admissionregistrationv1.ValidatingAdmissionPolicy, only string) {
	t.Helper()
	vars := map[string]string{}
	for _, v := range p.Spec.Variables {
		vars[v.Name] = v.Expression
	}
	for _, a := range inject.Injections() {
		ident := camel(a.Part)
		if got := vars[ident]; got != a.Guard.Asked {
			t.Errorf("%s: variable %s is %q, want the Guard's Asked %q", p.Name, ident, got, a.Guard.Asked)
		}
		if !strings.Contains(vars["expectedParts"], "'"+a.Part+"'") {
			t.Errorf("expectedParts does not name part %s", a.Part)
		}
		for _, v := range a.Guard.Volumes {
			if !strings.Contains(vars["expectedVolumes"], "'"+v.Name+"'") || !strings.Contains(vars["expectedVolumes"], v.When) {
				t.Errorf("expectedVolumes does not name volume %s (when %q)", v.Name, v.When)
			}
		}
		for _, name := range a.Owns.InitContainers {
			if !strings.Contains(vars["misplacedInits"], "'"+name+"'") {
				t.Errorf("misplacedInits does not name init container %s", name)
			}
		}
		for _, env := range a.Guard.ReferenceEnv {
			if vars["missing_"+snake(env)] == "" || vars["literal_"+snake(env)] == "" {
				t.Errorf("no check of env %s", env)
			}
		}
		if a.Guard.CommandPrefix != "" && !strings.Contains(vars["unwrapped_"+ident], "'"+a.Guard.CommandPrefix+"'") {
			t.Errorf("no check of the command prefix %s", a.Guard.CommandPrefix)
		}
	}
	checked := map[string]bool{}
	for _, v := range p.Spec.Validations {
		rest, ok := strings.CutPrefix(v.Expression, only)
		if !ok {
			t.Errorf("%s: validation %q does not begin with %q", p.Name, v.Expression, only)
		}
		checked[rest] = true
	}
	for name := range vars {
		if strings.Contains(name, "_") && !checked["size(variables."+name+") == 0"] {
			t.Errorf("%s: no validation of variable %s", p.Name, name)
		}
	}
}

// TestPolicyRejectsBadTables: a table the policy cannot be generated from is
// an error, not a broken policy.
func TestPolicyRejectsBadTables(t *testing.T) {
	ok := inject.Guard{Asked: "'stagehand.io/x' in variables.anns"}
	for name, table := range map[string][]inject.About{
		"no-asked":         {{Part: "x"}},
		"no-part":          {{Guard: ok}},
		"same-identifier":  {{Part: "ats-key", Guard: ok}, {Part: "ats key", Guard: ok}},
		"fixed-name":       {{Part: "status", Guard: ok}},
		"reserved":         {{Part: "in", Guard: ok}},
		"leading-digit":    {{Part: "3d", Guard: ok}},
		"same-env":         {{Part: "a", Guard: inject.Guard{Asked: ok.Asked, ReferenceEnv: []string{"K"}}}, {Part: "b", Guard: inject.Guard{Asked: ok.Asked, ReferenceEnv: []string{"K"}}}},
		"env-as-sanitized": {{Part: "a", Guard: inject.Guard{Asked: ok.Asked, ReferenceEnv: []string{"K.1", "K_1"}}}},
	} {
		if _, err := File(table); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := ProfileFile(table); err == nil {
			t.Errorf("%s: no error for the profile guard", name)
		}
	}
	for _, fixed := range []string{"labels", "selected", "own", "record"} {
		if _, err := ProfileFile([]inject.About{{Part: fixed, Guard: ok}}); err == nil {
			t.Errorf("part %s, named as a variable of the profile guard: no error", fixed)
		}
	}
}
