package admissiontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Path is where the webhook is served; the handler does not look at it.
const Path = "/mutate-v1-pod"

// Review is the admission.k8s.io/v1 AdmissionReview of an operation on a
// pod, given as JSON.
func Review(uid, namespace string, op admissionv1.Operation, pod []byte) ([]byte, error) {
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID(uid),
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: namespace,
			Operation: op,
			Object:    runtime.RawExtension{Raw: pod},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("encoding the AdmissionReview: %w", err)
	}
	return body, nil
}

// Request is the request the API server sends with body, to Path and the
// query (such as "timeout=5s"; "" for none).
func Request(query string, body io.Reader) *http.Request {
	target := Path
	if query != "" {
		target += "?" + query
	}
	req := httptest.NewRequest(http.MethodPost, target, body)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// Serve sends body to h as the API server does and returns what h wrote.
func Serve(h http.Handler, body []byte) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, Request("", bytes.NewReader(body)))
	return rec
}

// Answer sends body to h and returns the response of the AdmissionReview it
// answers with; anything else, an HTTP error included, is an error.
func Answer(h http.Handler, body []byte) (*admissionv1.AdmissionResponse, error) {
	rec := Serve(h, body)
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != http.StatusOK || err != nil || out.Response == nil {
		return nil, fmt.Errorf("HTTP %d, not an AdmissionReview (%v): %.300s", rec.Code, err, rec.Body)
	}
	return out.Response, nil
}
