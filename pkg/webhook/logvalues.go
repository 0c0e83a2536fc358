package webhook

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// podNames are the pod's names, as log lines give them. Injection reads
// neither.
type podNames struct {
	Metadata struct {
		Name         string `json:"name"`
		GenerateName string `json:"generateName"`
	} `json:"metadata"`
}

// who are the key-value pairs that name the request on admission log
// lines: its uid, namespace and pod (the pod's name, or the prefix its
// controller asked the API server to generate a name from). The names are
// decoded here, when a line is logged, and not for every request; an
// object they cannot be decoded from logs no name.
func (rv *review) who() []any {
	return []any{"uid", rv.uid, "namespace", rv.text(rv.namespace), "pod", rv.podName()}
}

// podName is the pod's name, or the prefix its controller asked the API
// server to generate a name from; "" when neither decodes.
func (rv *review) podName() string {
	var names podNames
	if rv.object != nil {
		_ = json.Unmarshal(rv.object, &names, decoderOptions)
	}
	if names.Metadata.Name != "" {
		return names.Metadata.Name
	}
	return names.Metadata.GenerateName
}
