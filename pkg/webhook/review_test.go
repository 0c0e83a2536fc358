package webhook

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestReviews: what the handler answers to AdmissionReviews as the API
// server may send them, and to requests it must refuse. Every answer is an
// HTTP 200 AdmissionReview in the request's version, with its UID; a
// request the handler cannot read is refused with code 400 and a message
// that says why.
func TestReviews(t *testing.T) {
	const pod = `{"metadata":{"name":"p","annotations":{"stagehand.io/service-account-token":"true"}},"spec":{"containers":[{"name":"c"}]}}`
	review := func(version, request string) string {
		return `{"apiVersion":"` + version + `","kind":"AdmissionReview","request":` + request + `}`
	}
	v1 := admissionv1.SchemeGroupVersion.String()
	tests := []struct {
		name, contentType, body string
		// wantVersion is the apiVersion of the answer.
		wantVersion string
		wantAllowed bool
		wantPatch   bool
		// wantRefused is a part of the message of a 400 answer.
		wantRefused string
	}{
		{name: "v1 CREATE", body: review(v1, `{"uid":"u1","operation":"CREATE","object":`+pod+`}`),
			wantVersion: v1, wantAllowed: true, wantPatch: true},
		{name: "v1beta1 is answered in v1beta1", body: review("admission.k8s.io/v1beta1", `{"uid":"u1","operation":"CREATE","object":`+pod+`}`),
			wantVersion: "admission.k8s.io/v1beta1", wantAllowed: true, wantPatch: true},
		{name: "object before operation", body: review(v1, `{"object":`+pod+`,"uid":"u1","operation":"CREATE"}`),
			wantVersion: v1, wantAllowed: true, wantPatch: true},
		{name: "whitespace everywhere", body: " \n" + strings.ReplaceAll(review(v1, `{"uid":"u1","operation":"CREATE","object":`+pod+`}`), ":", " : ") + "\n",
			wantVersion: v1, wantAllowed: true, wantPatch: true},
		{name: "DELETE is allowed, its old object unread", body: review(v1, `{"uid":"u1","operation":"DELETE","object":null,"oldObject":{"spec":5}}`),
			wantVersion: v1, wantAllowed: true},
		{name: "CONNECT is allowed, its options unread", body: review(v1, `{"uid":"u1","operation":"CONNECT","object":{"command":["sh"],"spec":"x"}}`),
			wantVersion: v1, wantAllowed: true},
		{name: "not JSON content", contentType: "application/yaml", body: review(v1, `{"uid":"u1"}`),
			wantVersion: v1, wantRefused: "content type"},
		{name: "not JSON", body: "apiVersion: v1", wantVersion: v1, wantRefused: "invalid character"},
		{name: "another kind", body: `{"apiVersion":"v1","kind":"Pod","request":{"uid":"u1"}}`, wantVersion: v1, wantRefused: "not an AdmissionReview"},
		{name: "no request", body: `{"apiVersion":"` + v1 + `","kind":"AdmissionReview"}`, wantVersion: v1, wantRefused: "no request"},
		{name: "data after the review", body: review(v1, `{"uid":"u1","operation":"CREATE","object":`+pod+`}`) + `{}`,
			wantVersion: v1, wantRefused: "data after"},
		{name: "CREATE without object", body: review(v1, `{"uid":"u1","operation":"CREATE"}`), wantVersion: v1, wantRefused: "has no object"},
		{name: "a member of the review twice", body: review(v1, `{"uid":"u1","operation":"CREATE","uid":"u2","object":`+pod+`}`),
			wantVersion: v1, wantRefused: `duplicate member "uid"`},
		{name: "a member of the pod twice: the last counts, as in the API server's decoder",
			body:        review(v1, `{"uid":"u1","operation":"CREATE","object":{"spec":{"containers":[]},`+pod[1:]+`}`),
			wantVersion: v1, wantAllowed: true, wantPatch: true},
		{name: "a string that is a number", body: review(v1, `{"uid":"u1","operation":"CREATE","object":{"spec":{"containers":[{"name":5}]}}}`),
			wantVersion: v1, wantRefused: `JSON number into Go string within "/spec/containers/0/name"`},
		{name: "volumes of the wrong type", body: review(v1, `{"uid":"u1","operation":"CREATE","object":{"spec":{"containers":[{"name":"c"}],"volumes":{"a":1}}}}`),
			wantVersion: v1, wantRefused: "/spec/volumes"},
	}
	h := &Handler{Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test"}), Cache: NewCache(8)}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader([]byte(tc.body)))
			req.Header.Set("Content-Type", "application/json")
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("HTTP %d, %q; want 200, application/json", rec.Code, rec.Header().Get("Content-Type"))
			}
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
				t.Fatalf("not an AdmissionReview (%v): %s", err, rec.Body)
			}
			if out.APIVersion != tc.wantVersion || out.Kind != "AdmissionReview" {
				t.Errorf("answered as %s %s, want %s AdmissionReview", out.APIVersion, out.Kind, tc.wantVersion)
			}
			resp := out.Response
			if tc.wantRefused != "" {
				if resp.Allowed || resp.Result == nil || resp.Result.Code != http.StatusBadRequest || !strings.Contains(resp.Result.Message, tc.wantRefused) {
					t.Fatalf("answer %+v, want a 400 refusal saying %q", resp.Result, tc.wantRefused)
				}
				return
			}
			if resp.UID != "u1" || resp.Allowed != tc.wantAllowed || (len(resp.Patch) > 0) != tc.wantPatch {
				t.Errorf("uid %q, allowed %v, patch %s; want u1, %v, patch %v", resp.UID, resp.Allowed, resp.Patch, tc.wantAllowed, tc.wantPatch)
			}
			if tc.wantPatch && (resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch) {
				t.Errorf("patch type %v, want JSONPatch", resp.PatchType)
			}
		})
	}
}
