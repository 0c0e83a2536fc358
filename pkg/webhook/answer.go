package webhook

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// answer is the handler's response to one review. Cached answers are
// shared: an answer is never changed once built.
type answer struct {
	// status says why a request was not allowed; nil allows it.
	status *metav1.Status
	// patch64 is the JSON Patch of an allowed pod, base64-encoded as the
	// response carries it; nil when nothing changes. Unless the answer is
	// cached, it is the request's scratch buffer.
	patch64  []byte
	warnings []string
	outcome  inject.Outcome
}

// errored answers a request stagehand could not handle, with an HTTP code
// in its status; the API server applies the webhook's failure policy.
func errored(code int32, err error) answer {
	return answer{status: &metav1.Status{Code: code, Message: err.Error()}}
}

// jsonContentType is shared by every response: net/http only reads it.
var jsonContentType = []string{"application/json"}

// write writes the AdmissionReview of the answer to rv: HTTP 200, as the API
// server expects, whatever the answer. The patch is written from where it
// is, between the rest of the answer, which goes through s.out.
func (a *answer) write(w http.ResponseWriter, rv *review, s *scratch) {
	split := 0
	if a.status == nil {
		s.out = a.appendAllowedHead(s.out[:0], rv)
		split = len(s.out)
		s.out = a.appendAllowedTail(s.out)
	} else {
		s.out = a.appendDenied(s.out[:0], rv)
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(s.out) + len(a.patch64))}
	w.WriteHeader(http.StatusOK)
	if len(a.patch64) == 0 {
		_, _ = w.Write(s.out)
		return
	}
	if _, err := w.Write(s.out[:split]); err == nil {
		if _, err = w.Write(a.patch64); err == nil {
			_, _ = w.Write(s.out[split:])
		}
	}
}

// appendAllowedHead writes an allowing AdmissionReview up to its patch: it
// is the answer to nearly every request.
func (a *answer) appendAllowedHead(b []byte, rv *review) []byte {
	b = appendResponseStart(b, rv)
	b = append(b, `,"allowed":true`...)
	if len(a.patch64) > 0 {
		b = append(b, `,"patchType":"JSONPatch","patch":"`...)
	}
	return b
}

// appendAllowedTail writes the rest of an allowing AdmissionReview.
func (a *answer) appendAllowedTail(b []byte) []byte {
	if len(a.patch64) > 0 {
		b = append(b, '"')
	}
	if len(a.warnings) > 0 {
		b = append(b, `,"warnings":[`...)
		for i, w := range a.warnings {
			if i > 0 {
				b = append(b, ',')
			}
			// Warnings are stagehand's own valid UTF-8: quoting cannot fail.
			b, _ = jsontext.AppendQuote(b, w)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

// appendDenied writes any other answer through the API types.
func (a *answer) appendDenied(b []byte, rv *review) []byte {
	out, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: reviewVersion(rv), Kind: "AdmissionReview"},
		Response: &admissionv1.AdmissionResponse{
			UID: types.UID(rv.uid), Allowed: false, Result: a.status, Warnings: a.warnings,
		},
	})
	if err != nil {
		// The types marshal whatever their content: unreachable, but an
		// answer the API server can read is better than none.
		return append(appendResponseStart(b, rv), `,"allowed":false,"status":{"code":500}}}`...)
	}
	return append(b, out...)
}

// appendResponseStart writes an AdmissionReview up to the response's uid.
// The uid is valid UTF-8, which the decoder checked: quoting cannot fail.
func appendResponseStart(b []byte, rv *review) []byte {
	b = append(b, `{"kind":"AdmissionReview","apiVersion":`...)
	b, _ = jsontext.AppendQuote(b, reviewVersion(rv))
	b = append(b, `,"response":{"uid":`...)
	b, _ = jsontext.AppendQuote(b, rv.uid)
	return b
}

// reviewVersion is the version to answer in: the request's, or v1 for a
// request that did not say.
func reviewVersion(rv *review) string {
	if !slices.Contains(reviewVersions, rv.apiVersion) {
		return reviewVersions[0]
	}
	return rv.apiVersion
}
