package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/internal/logbuffer"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// TestNoCredentialIsEchoed (issue 11, item 7): credentials written in an
// annotation, with or without a scheme, appear neither in the answer nor
// in the webhook's logs, at every verbosity and in both log formats, for
// a first request and a repeated one.
func TestNoCredentialIsEchoed(t *testing.T) {
	const secret = "SEKRIT"
	pods := map[string]map[string]string{
		"timeline-url without a scheme":   {"stagehand.io/timeline-url": "u:" + secret + "@ats:8188"},
		"timeline-url with a scheme":      {"stagehand.io/timeline-url": "http://u:" + secret + "@ats:8188"},
		"jar URI without a scheme":        {"stagehand.io/jars": "u:" + secret + "@repo.example.com/x.jar"},
		"jar URI, percent-encoded '@'":    {"stagehand.io/jars": "u%3a" + secret + "%40repo.example.com/x.jar"},
		"jar list in the timeline-url":    {"stagehand.io/timeline-url": "ftp://a.example.com/a.jar,u:" + secret + "@b/b.jar"},
		"credentials in a non-URL key":    {"stagehand.io/ats-secret": "u:" + secret + "@ats"},
		"unknown key (a warning)":         {"stagehand.io/timeline-uri": "u:" + secret + "@ats:8188", "stagehand.io/agent": "true"},
		"jar with credentials (admitted)": {"stagehand.io/jars": "https://u:" + secret + "@repo.example.com/x.jar?token=" + secret},
	}
	for _, level := range []int{0, LevelDebug, LevelTrace} {
		for _, format := range []string{"json", "text"} {
			t.Run(fmt.Sprintf("v=%d %s", level, format), func(t *testing.T) {
				var logs logbuffer.Buffer
				opts := []zap.Opts{zap.WriteTo(&logs), zap.Level(zapcore.Level(-level)), zap.JSONEncoder()}
				if format == "text" {
					opts[2] = zap.ConsoleEncoder()
				}
				logger := zap.New(opts...)
				h := &Handler{
					Injector: inject.New(inject.Options{Version: "test", AgentImage: "agent:test", AllowedDependencyHosts: []string{"*.example.com"}}),
					Cache:    NewCache(16),
				}
				for name, anns := range pods {
					raw, err := json.Marshal(map[string]any{
						"metadata": map[string]any{"name": "p", "annotations": anns},
						"spec":     map[string]any{"containers": []map[string]any{{"name": "main", "image": "busybox", "command": []string{"sh"}}}},
					})
					if err != nil {
						t.Fatal(err)
					}
					body := reviewOf(t, "uid-"+name, "ns", admissionv1.Create, raw)
					for range 2 { // the second answer may come from the cache
						req := admissiontest.Request("", bytes.NewReader(body))
						req = req.WithContext(log.IntoContext(req.Context(), logger))
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						var review admissionv1.AdmissionReview
						if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response == nil {
							t.Fatalf("%s: not an AdmissionReview: %v", name, err)
						}
						// An admitted pod's patch gives the fetch container its
						// URIs as written, by design: the rest of the answer
						// must not echo them.
						review.Response.Patch = nil
						answer, err := json.Marshal(review)
						if err != nil {
							t.Fatal(err)
						}
						if strings.Contains(string(answer), secret) {
							t.Errorf("%s: the answer echoes the credential: %s", name, answer)
						}
						if !review.Response.Allowed && !strings.Contains(string(answer), "stagehand.io/") {
							t.Errorf("%s: the denial does not name the key: %s", name, answer)
						}
					}
				}
				if strings.Contains(logs.String(), secret) {
					t.Errorf("the logs echo the credential:\n%s", logs.String())
				}
				if level > 0 && !strings.Contains(logs.String(), "admitted pod") || !strings.Contains(logs.String(), "denied pod") {
					t.Errorf("the logs miss the lines checked:\n%s", logs.String())
				}
			})
		}
	}
}
