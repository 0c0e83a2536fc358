package timeline_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/logbuffer"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

const secret = "s3cr3t-ats-key-for-tests"

// syncBuffer captures logs written concurrently.
type syncBuffer = logbuffer.Buffer

func newLogger() (*slog.Logger, *syncBuffer) {
	var buf syncBuffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// fast makes retries quick enough for tests.
var fast = timeline.Delivery{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
	FlushBackoff: 20 * time.Millisecond, RequestTimeout: 2 * time.Second}

func config(t *testing.T, srv *timelinetest.Server, spoolDir string, log *slog.Logger) timeline.Config {
	t.Helper()
	return timeline.Config{
		URL:      srv.URL,
		Auth:     timeline.Auth{Mode: timeline.AuthDelegation, Secret: secret},
		SpoolDir: spoolDir,
		Identity: timeline.Identity{Namespace: "hivemr3", Pod: "mr3worker-1", Container: "mr3-worker",
			Node: "node-a", Image: "mr3project/hive:4.0.0", User: "hive"},
		Command:  []string{"/opt/run-worker.sh", "--password=hunter2", "--ats", secret},
		Delivery: fast,
		Logger:   log,
	}
}

func start(t *testing.T, cfg timeline.Config) *timeline.Reporter {
	t.Helper()
	r, err := timeline.Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return r
}

// closeWithin closes r with a deadline and returns the error and how long
// Close took.
func closeWithin(t *testing.T, r *timeline.Reporter, d time.Duration) (error, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	begin := time.Now()
	err := r.Close(ctx)
	return err, time.Since(begin)
}

// eventTypes lists an entity's event types in arrival order.
func eventTypes(e timeline.Entity) []string {
	var out []string
	for _, ev := range e.Events {
		out = append(out, ev.Type)
	}
	return out
}

// noSecrets fails when the secret or its token appear in any of texts.
func noSecrets(t *testing.T, what string, texts ...string) {
	t.Helper()
	token := timeline.DelegationToken(secret)
	for _, s := range texts {
		if strings.Contains(s, secret) || strings.Contains(s, token) {
			t.Errorf("%s contains the secret or its token: %s", what, s)
		}
	}
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newLoggerTo(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, nil))
}
