package timeline_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

func TestLifecycleArrivesExactlyOnce(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	log, logs := newLogger()
	r := start(t, config(t, srv, t.TempDir(), log))
	if got, want := r.EntityID(), "hivemr3/mr3worker-1/mr3-worker/0"; got != want {
		t.Errorf("entity id %q, want %q", got, want)
	}
	at := time.Now()
	r.Lifecycle(timeline.EventTaskStarted, at, map[string]any{"pid": 42})
	r.Lifecycle(timeline.EventTaskFinished, at.Add(time.Second), map[string]any{"exitCode": 7})
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatalf("Close: %v", err)
	}
	e, ok := srv.Entity("hivemr3/mr3worker-1/mr3-worker/0")
	if !ok {
		t.Fatalf("entity not stored; have %+v", srv.Entities())
	}
	if got := eventTypes(e); !reflect.DeepEqual(got, []string{"TASK_STARTED", "TASK_FINISHED"}) {
		t.Errorf("events %v", got)
	}
	if _, _, events := srv.Stats(); events != 2 {
		t.Errorf("server received %d events, want exactly 2", events)
	}
	if code := e.Events[1].Info["exitCode"]; code != float64(7) {
		t.Errorf("exit code %v, want 7", code)
	}
	wantFilters := map[string][]string{"namespace": {"hivemr3"}, "pod": {"mr3worker-1"},
		"container": {"mr3-worker"}, "node": {"node-a"}, "user": {"hive"}}
	if !reflect.DeepEqual(e.PrimaryFilters, wantFilters) {
		t.Errorf("primary filters %v, want %v", e.PrimaryFilters, wantFilters)
	}
	if e.OtherInfo["image"] != "mr3project/hive:4.0.0" || e.OtherInfo["version"] == nil || e.Domain != "DEFAULT" ||
		e.StartTime == 0 {
		t.Errorf("entity %+v lacks image, version, domain or start time", e)
	}
	cmd, _ := e.OtherInfo["command"].([]any)
	if len(cmd) != 4 || cmd[1] != "--password=[redacted]" || cmd[3] != "[redacted]" {
		t.Errorf("command %v, want the password and the secret redacted", cmd)
	}
	var bodies []string
	for _, b := range srv.Bodies() {
		bodies = append(bodies, string(b))
	}
	noSecrets(t, "a request body", bodies...)
	noSecrets(t, "the log", logs.String())
}

func TestNextStartDeliversTheSpool(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	srv.SetFailure(timelinetest.Failure{Status: http.StatusServiceUnavailable})
	spool := t.TempDir()
	log, logs := newLogger()
	r := start(t, config(t, srv, spool, log))
	r.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	r.Lifecycle(timeline.EventTaskFinished, time.Now(), map[string]any{"exitCode": 0})
	err, _ := closeWithin(t, r, 300*time.Millisecond)
	var ferr *timeline.FlushError
	if !errors.As(err, &ferr) || ferr.Pending != 2 {
		t.Fatalf("Close = %v, want a FlushError with 2 pending events", err)
	}
	var serr *timeline.StatusError
	if !errors.As(err, &serr) && !strings.Contains(logs.String(), "503") {
		t.Errorf("the 503 shows neither in the error nor in the log: %v", err)
	}
	if len(srv.Entities()) != 0 {
		t.Fatal("a failing server stored entities")
	}

	srv.SetFailure(timelinetest.Failure{})
	r2 := start(t, config(t, srv, spool, log))
	if got := r2.EntityID(); got != "hivemr3/mr3worker-1/mr3-worker/1" {
		t.Errorf("second start's entity id %q, want restart count 1", got)
	}
	// Leftovers go out on their own, before anything new happens.
	waitFor(t, "the leftovers", func() bool { _, ok := srv.Entity("hivemr3/mr3worker-1/mr3-worker/0"); return ok })
	r2.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	if err, _ := closeWithin(t, r2, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	first, _ := srv.Entity("hivemr3/mr3worker-1/mr3-worker/0")
	if got := eventTypes(first); !reflect.DeepEqual(got, []string{"TASK_STARTED", "TASK_FINISHED"}) {
		t.Errorf("first run's events %v", got)
	}
	if _, ok := srv.Entity("hivemr3/mr3worker-1/mr3-worker/1"); !ok {
		t.Error("second run not stored")
	}
	// A third start has nothing left to send.
	_, _, before := srv.Stats()
	r3 := start(t, config(t, srv, spool, log))
	if err, _ := closeWithin(t, r3, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, _, after := srv.Stats(); after != before {
		t.Errorf("a third start re-sent %d acknowledged events", after-before)
	}
}

func TestRetriedDuplicatesAreHarmless(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	srv.SetFailure(timelinetest.Failure{LoseAnswer: true}) // stored, but the agent never hears so
	log, _ := newLogger()
	r := start(t, config(t, srv, t.TempDir(), log))
	r.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	waitFor(t, "a retry", func() bool { _, _, events := srv.Stats(); return events >= 2 })
	srv.SetFailure(timelinetest.Failure{})
	if err, _ := closeWithin(t, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	e, _ := srv.Entity(r.EntityID())
	if got := eventTypes(e); !reflect.DeepEqual(got, []string{"TASK_STARTED"}) {
		t.Errorf("after retries the entity has events %v, want one TASK_STARTED", got)
	}
}

func TestEntityErrors(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	log, logs := newLogger()
	cfg := config(t, srv, t.TempDir(), log)
	cfg.Identity.Container = "retried"
	retried := start(t, cfg)
	srv.RejectEntity(retried.EntityID(), timeline.CodeIOException, 2) // transient: retried
	retried.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	if err, _ := closeWithin(t, retried, 5*time.Second); err != nil {
		t.Fatalf("an IO error on the server was not retried until it succeeded: %v", err)
	}
	if _, ok := srv.Entity(retried.EntityID()); !ok {
		t.Error("entity not stored after transient IO errors")
	}

	cfg.Identity.Container = "denied"
	denied := start(t, cfg)
	srv.RejectEntity(denied.EntityID(), timeline.CodeAccessDenied, 0) // permanent: dropped
	denied.Lifecycle(timeline.EventTaskStarted, time.Now(), nil)
	if err, _ := closeWithin(t, denied, 5*time.Second); err != nil {
		t.Fatalf("a permanently rejected entity blocked the flush: %v", err)
	}
	_, _, events := srv.Stats()
	if events != 3+1 {
		t.Errorf("server saw %d events, want 3 for the retried entity and 1 for the denied one", events)
	}
	if !strings.Contains(logs.String(), `"code":4`) || !strings.Contains(logs.String(), denied.EntityID()) {
		t.Errorf("the rejection is not logged with the entity and code:\n%s", logs)
	}
}
