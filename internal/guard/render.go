package guard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// bindingHeader heads the binding.
const bindingHeader = `The guard applies where the webhook does: opted-in namespaces, never the
control plane's nor stagehand's own.`

// Binding binds the policy where stagehand's webhook applies: in the
// namespaces labelled for injection but the control plane's and
// stagehand's own.
func Binding() *admissionregistrationv1.ValidatingAdmissionPolicyBinding { return binding(Name) }

// binding binds policy name where stagehand's webhook applies.
func binding(name string) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: admissionregistrationv1.SchemeGroupVersion.String(), Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{annotations.NamespaceLabel: "enabled"},
				MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn,
					Values: []string{"kube-system", "kube-public", "kube-node-lease", "stagehand-system"},
				}},
			}},
		},
	}
}

// File is manifests/base/validatingadmissionpolicy.yaml for the
// injections: the policy and its binding, with comments.
func File(injections []inject.About) ([]byte, error) {
	ps, err := parts(injections, names{})
	if err != nil {
		return nil, err
	}
	return render(injections, ownGuard(), header(ps), bindingHeader, Binding())
}

// render is the file of guard g of the injections: header, the policy,
// then bindingComment and the binding.
func render(injections []inject.About, g guard, header, bindingComment string, b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) ([]byte, error) {
	p, comments, err := policy(injections, g)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(header)
	if err := encode(&out, p, comments); err != nil {
		return nil, fmt.Errorf("rendering the policy: %w", err)
	}
	out.WriteString("---\n")
	var h strings.Builder
	paragraph(&h, "", bindingComment)
	out.WriteString(h.String())
	if err := encode(&out, b, nil); err != nil {
		return nil, fmt.Errorf("rendering the binding: %w", err)
	}
	return out.Bytes(), nil
}

// keyOrder orders the keys of every mapping, as a reader expects them;
// other keys follow in the order of the API's types.
var keyOrder = []string{
	"apiVersion", "kind", "metadata", "spec", "name", "labels",
	"failurePolicy", "policyName", "validationActions", "matchConstraints", "matchResources", "matchConditions",
	"variables", "validations", "expression", "messageExpression",
}

// encode writes obj as YAML: keys in keyOrder, expressions as literal
// blocks, lists of scalars inline, and comments (by variable name) above
// the variables they head.
func encode(b *bytes.Buffer, obj any, comments map[string]string) error {
	j, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(j, &doc); err != nil {
		return err
	}
	dropStatus(&doc)
	style(&doc, "", comments)
	enc := yaml.NewEncoderWithOptions(b, &yaml.EncoderOptions{SeqIndent: yaml.WideSequenceStyle})
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return enc.Close()
}

// dropStatus drops the empty status that a typed object marshals with: the
// API server writes it.
func dropStatus(doc *yaml.Node) {
	if len(doc.Content) != 1 {
		return
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "status" && len(root.Content[i+1].Content) == 0 {
			root.Content = slices.Delete(root.Content, i, i+2)
			return
		}
	}
}

// style restyles n, the value of key in its mapping, and what it holds.
func style(n *yaml.Node, key string, comments map[string]string) {
	n.Style = 0
	switch n.Kind {
	case yaml.ScalarNode:
		if key == "expression" || key == "messageExpression" {
			n.Style = yaml.LiteralStyle
		}
	case yaml.SequenceNode:
		if !slices.ContainsFunc(n.Content, func(c *yaml.Node) bool { return c.Kind != yaml.ScalarNode }) {
			n.Style = yaml.FlowStyle
		}
		for _, c := range n.Content {
			style(c, "", comments)
			if key == "variables" {
				if text, ok := comments[value(c, "name")]; ok {
					c.HeadComment = wrapped(text, width-len("    # "))
				}
			}
		}
	case yaml.MappingNode:
		sortKeys(n)
		for i := 0; i+1 < len(n.Content); i += 2 {
			style(n.Content[i], "", comments)
			style(n.Content[i+1], n.Content[i].Value, comments)
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			style(c, "", comments)
		}
	}
}

// sortKeys orders the pairs of mapping n by keyOrder.
func sortKeys(n *yaml.Node) {
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		pairs = append(pairs, pair{n.Content[i], n.Content[i+1]})
	}
	rank := func(p pair) int {
		if i := slices.Index(keyOrder, p.k.Value); i >= 0 {
			return i
		}
		return len(keyOrder)
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a) - rank(b) })
	n.Content = n.Content[:0]
	for _, p := range pairs {
		n.Content = append(n.Content, p.k, p.v)
	}
}

// wrapped is text in lines of at most n characters, each a comment.
func wrapped(text string, n int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > n {
			lines = append(lines, "# "+line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, "# "+line), "\n")
}

// value is the value of key in mapping n, or "".
func value(n *yaml.Node, key string) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1].Value
		}
	}
	return ""
}
