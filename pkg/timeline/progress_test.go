package timeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

// TestProgressInfoIsReported: the periodic progress events carry what
// SetProgressInfo's function returns, besides elapsedMs.
func TestProgressInfoIsReported(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	log, _ := newLogger()
	cfg := config(t, srv, t.TempDir(), log)
	cfg.ProgressEvent, cfg.ProgressInterval = timeline.EventFetchProgress, 20*time.Millisecond
	r := start(t, cfg)
	r.SetProgressInfo(func() map[string]any {
		return map[string]any{"bytes": int64(5), "states": map[string]int{"fetching": 1}, "elapsedMs": "overridden"}
	})
	waitFor(t, "a progress event with the info", func() bool {
		e, ok := srv.Entity("hivemr3/mr3worker-1/mr3-worker/0")
		if !ok {
			return false
		}
		for _, ev := range e.Events {
			states, _ := ev.Info["states"].(map[string]any)
			if ev.Type == timeline.EventFetchProgress && ev.Info["bytes"] == float64(5) && states["fetching"] == float64(1) {
				_, isNumber := ev.Info["elapsedMs"].(float64)
				return isNumber
			}
		}
		return false
	})
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestNestedSecretsAreScrubbed: the secret is removed from strings at any
// depth of an event's info, typed values included.
func TestNestedSecretsAreScrubbed(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	log, _ := newLogger()
	r := start(t, config(t, srv, t.TempDir(), log))
	type item struct {
		Error string `json:"error"`
	}
	r.Lifecycle(timeline.EventFetchFinished, time.Now(), map[string]any{
		"items":  []item{{Error: "got " + secret}},
		"nested": map[string]any{"list": []any{"x" + secret + "y"}},
		"top":    secret,
		"count":  3,
	})
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, b := range srv.Bodies() {
		bodies = append(bodies, string(b))
	}
	noSecrets(t, "a request body", bodies...)
	all := strings.Join(bodies, "\n")
	for _, want := range []string{`"error":"got [redacted]"`, `"x[redacted]y"`, `"top":"[redacted]"`, `"count":3`} {
		if !strings.Contains(all, want) {
			t.Errorf("bodies lack %s:\n%s", want, all)
		}
	}
}
