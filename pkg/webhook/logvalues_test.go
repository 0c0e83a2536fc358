package webhook

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stagehand-k8s/stagehand/internal/admissiontest"
	"github.com/stagehand-k8s/stagehand/internal/logbuffer"
)

// TestAdmissionLinesNameThePod: every admission log line names the
// request's uid, namespace and pod: its name, or the prefix a controller
// gives the API server to generate one from (MR3's workers, a ReplicaSet's
// pods), as the webhook sees them before the name exists.
func TestAdmissionLinesNameThePod(t *testing.T) {
	for name, tc := range map[string]struct {
		meta, want string
	}{
		"named":     {`"name":"mr3-worker-1"`, `"pod":"mr3-worker-1"`},
		"generated": {`"generateName":"mr3worker-7f3a-"`, `"pod":"mr3worker-7f3a-"`},
	} {
		t.Run(name, func(t *testing.T) {
			for _, anns := range []string{`{"stagehand.io/agent":"true"}`, `{"stagehand.io/token-path":"relative"}`} {
				pod := `{"metadata":{` + tc.meta + `,"namespace":"hivemr3","annotations":` + anns + `},"spec":{"containers":[{"name":"c","command":["x"]}]}}`
				raw, err := admissiontest.Review("uid-7", "hivemr3", admissionv1.Create, []byte(pod))
				if err != nil {
					t.Fatal(err)
				}
				var logs logbuffer.Buffer
				logger := zap.New(zap.WriteTo(&logs), zap.Level(zapcore.Level(-LevelDebug)), zap.JSONEncoder())
				req := admissiontest.Request("", bytes.NewReader(raw))
				req = req.WithContext(log.IntoContext(req.Context(), logger))
				boundsHandler().ServeHTTP(httptest.NewRecorder(), req)
				lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
				if len(lines) != 1 {
					t.Fatalf("%d log lines, want one:\n%s", len(lines), logs.String())
				}
				for _, want := range []string{`"uid":"uid-7"`, `"namespace":"hivemr3"`, tc.want} {
					if !strings.Contains(lines[0], want) {
						t.Errorf("log line %s lacks %s", lines[0], want)
					}
				}
			}
		})
	}
}

// TestWarningsAreLoggedAtInfo: a pod admitted with warnings, which a
// controller that created it never shows anyone, is logged at info with its
// namespace, name and the warnings themselves; one without warnings is not
// logged at info.
func TestWarningsAreLoggedAtInfo(t *testing.T) {
	for anns, want := range map[string]string{
		`{"stagehand.io/agent":"true","stagehand.io/agnet":"x"}`: `"warnings":["`,
		`{"stagehand.io/agent":"true"}`:                          "",
	} {
		pod := `{"metadata":{"generateName":"mr3worker-7f3a-","annotations":` + anns + `},"spec":{"containers":[{"name":"c","command":["x"]}]}}`
		raw, err := admissiontest.Review("uid-8", "hivemr3", admissionv1.Create, []byte(pod))
		if err != nil {
			t.Fatal(err)
		}
		var logs logbuffer.Buffer
		logger := zap.New(zap.WriteTo(&logs), zap.Level(zapcore.InfoLevel), zap.JSONEncoder())
		req := admissiontest.Request("", bytes.NewReader(raw))
		req = req.WithContext(log.IntoContext(req.Context(), logger))
		boundsHandler().ServeHTTP(httptest.NewRecorder(), req)
		got := strings.TrimSpace(logs.String())
		if want == "" {
			if got != "" {
				t.Errorf("a pod without warnings logged at info: %s", got)
			}
			continue
		}
		for _, part := range []string{`"admitted pod with warnings"`, `"namespace":"hivemr3"`, `"pod":"mr3worker-7f3a-"`, want, "stagehand.io/agnet"} {
			if !strings.Contains(got, part) {
				t.Errorf("log %s lacks %s", got, part)
			}
		}
	}
}
