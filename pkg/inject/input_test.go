package inject

import (
	"strings"
	"testing"
)

// TestDecodeInputAnnotations: only stagehand.io/ annotations are kept, a
// key written with escapes counts as the key it decodes to, no annotations
// is nil and other annotations only are empty, and annotations that are
// not an object are refused naming the field and what is valid.
func TestDecodeInputAnnotations(t *testing.T) {
	for _, tc := range []struct {
		json string
		want Annotations
	}{
		{`{"metadata":{}}`, nil},
		{`{"metadata":{"annotations":null}}`, nil},
		{`{"metadata":{"annotations":{"a":"b"}}}`, Annotations{}},
		{`{"metadata":{"annotations":{"a":"b","stagehand.io/agent":"true"}}}`, Annotations{"stagehand.io/agent": "true"}},
		{`{"metadata":{"annotations":{"stagehand.io\/agent":"true","stagehand.io/agent":"false"}}}`, Annotations{"stagehand.io/agent": "false"}},
	} {
		in, err := DecodeInput([]byte(tc.json))
		if err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		got := in.Metadata.Annotations
		if (got == nil) != (tc.want == nil) || len(got) != len(tc.want) || got["stagehand.io/agent"] != tc.want["stagehand.io/agent"] {
			t.Errorf("%s: annotations %#v, want %#v", tc.json, got, tc.want)
		}
	}
	_, err := DecodeInput([]byte(`{"metadata":{"annotations":["stagehand.io/agent"]}}`))
	if err == nil || !strings.Contains(err.Error(), "metadata.annotations") || !strings.Contains(err.Error(), "want an object of strings or null") {
		t.Errorf("annotations that are a list: %v, want an error naming the field and what is valid", err)
	}
}
