package timeline_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

func TestWrongSecretIsAClearError(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: "the-server-secret"})
	log, logs := newLogger()
	r := start(t, config(t, srv, t.TempDir(), log))
	r.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	err, took := closeWithin(t, r, 5*time.Second)
	var authErr *timeline.AuthError
	if !errors.As(err, &authErr) || authErr.StatusCode != http.StatusForbidden {
		t.Fatalf("Close = %v, want an AuthError for HTTP 403", err)
	}
	if took > 2*time.Second {
		t.Errorf("a rejected token was retried for %s; it cannot succeed", took)
	}
	want := "the Timeline Server rejected the delegation token derived from ATS_SECRET_KEY: check the secret"
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
	if _, rejected, _ := srv.Stats(); rejected == 0 {
		t.Error("the server never saw the wrong token")
	}
	noSecrets(t, "the log", logs.String())
	noSecrets(t, "the error", err.Error())
}

func TestMissingTokenIsRejected(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	client, err := timeline.NewClient(srv.URL, timeline.Auth{Mode: timeline.AuthDelegation}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Put(t.Context(), []timeline.Entity{{ID: "x", Type: timeline.EntityType, StartTime: 1}})
	var authErr *timeline.AuthError
	if !errors.As(err, &authErr) || timeline.Retryable(err) {
		t.Errorf("Put without a token = %v, want a permanent AuthError", err)
	}
}

func TestSimpleAuth(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret, AcceptSimple: true})
	log, _ := newLogger()
	cfg := config(t, srv, t.TempDir(), log)
	cfg.Auth = timeline.Auth{Mode: timeline.AuthSimple, User: "hive"}
	r := start(t, cfg)
	r.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Entity(r.EntityID()); !ok {
		t.Error("not stored with simple authentication")
	}
}

func TestHangingServerDoesNotDelayExit(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	srv.SetFailure(timelinetest.Failure{Hang: true})
	log, _ := newLogger()
	cfg := config(t, srv, t.TempDir(), log)
	cfg.Delivery.RequestTimeout = time.Minute
	begin := time.Now()
	r := start(t, cfg)
	r.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	r.Lifecycle(timeline.EventTaskFinished, time.Now(), nil)
	if d := time.Since(begin); d > time.Second {
		t.Errorf("starting and recording took %s with a hanging server", d)
	}
	err, took := closeWithin(t, r, 500*time.Millisecond)
	var ferr *timeline.FlushError
	if !errors.As(err, &ferr) || ferr.Pending != 2 {
		t.Errorf("Close = %v, want 2 events left in the spool", err)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("Close took %s, want about the 500ms deadline", took)
	}
}

func TestConnectionResetsAreRetried(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	srv.SetFailure(timelinetest.Failure{Reset: true})
	log, _ := newLogger()
	r := start(t, config(t, srv, t.TempDir(), log))
	r.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	waitFor(t, "retries", func() bool { requests, _, _ := srv.Stats(); return requests >= 3 })
	srv.SetFailure(timelinetest.Failure{})
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Entity(r.EntityID()); !ok {
		t.Error("not delivered once the server came back")
	}
}

func TestNoSpoolDirUsesStartTime(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	log, _ := newLogger()
	before := time.Now().UnixMilli()
	r := start(t, config(t, srv, "", log))
	id := r.EntityID()
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	ms, err := strconv.ParseInt(strings.TrimPrefix(id, "hivemr3/mr3worker-1/mr3-worker/"), 10, 64)
	if err != nil || ms < before || ms > time.Now().UnixMilli() {
		t.Errorf("entity id %q, want the start time in ms (about %d) last", id, before)
	}
}

func TestProgressEvents(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	log, _ := newLogger()
	cfg := config(t, srv, t.TempDir(), log)
	cfg.ProgressEvent, cfg.ProgressInterval = timeline.EventTaskProgress, 20*time.Millisecond
	r := start(t, cfg)
	waitFor(t, "progress events", func() bool {
		e, _ := srv.Entity(r.EntityID())
		return len(e.Events) >= 2
	})
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	e, _ := srv.Entity(r.EntityID())
	if e.Events[0].Type != timeline.EventTaskProgress || e.Events[0].Info["elapsedMs"] == nil {
		t.Errorf("first event %+v, want TASK_PROGRESS with elapsedMs", e.Events[0])
	}
}
