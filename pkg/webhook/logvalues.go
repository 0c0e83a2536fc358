package webhook

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// span is where a JSON string is in the request's body, quotes included;
// the zero span is absent.
type span struct{ start, end int }

// readSpan reads a string or null and returns where it is in the input.
func readSpan(dec *jsontext.Decoder) (span, error) {
	if k := dec.PeekKind(); k != '"' && k != 'n' {
		return span{}, kindError(dec, "a string", k)
	}
	raw, err := dec.ReadValue()
	if err != nil || raw.Kind() != '"' {
		return span{}, err
	}
	end := int(dec.InputOffset())
	return span{start: end - len(raw), end: end}, nil
}

// text is the string at s in the body, decoded.
func (rv *review) text(s span) string {
	if s.end <= s.start || s.end > len(rv.body) {
		return ""
	}
	v, _ := unquote(rv.body[s.start:s.end]) // the decoder validated it
	return v
}

// podNames are the pod's names, as log lines, denials and Events give them,
// and its owners, which Events are recorded on. Injection reads none of
// them: they are decoded only when a line is logged or a pod denied or
// warned about, once.
type podNames struct {
	Metadata struct {
		Name            string                  `json:"name"`
		GenerateName    string                  `json:"generateName"`
		OwnerReferences []metav1.OwnerReference `json:"ownerReferences"`
	} `json:"metadata"`
}

// name is the pod's name, or the prefix its controller asked the API
// server to generate a name from; "" when neither is there.
func (p *podNames) name() string {
	if p.Metadata.Name != "" {
		return p.Metadata.Name
	}
	return p.Metadata.GenerateName
}

// pod decodes the request's podNames; empty when they do not decode.
func (rv *review) pod() podNames {
	var names podNames
	if rv.object != nil {
		_ = json.Unmarshal(rv.object, &names, decoderOptions)
	}
	return names
}

// who are the key-value pairs that name the request on admission log
// lines: its uid, namespace and pod (see podNames.name). The names are
// decoded here, when a line is logged, and not for every request; an
// object they cannot be decoded from logs no name.
func (rv *review) who() []any {
	p := rv.pod()
	return rv.whoOf(&p)
}

// whoOf is who, for names already decoded.
func (rv *review) whoOf(p *podNames) []any {
	return []any{"uid", rv.uid, "namespace", rv.text(rv.namespace), "pod", p.name()}
}
