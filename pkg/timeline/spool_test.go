package timeline_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

func entity(eventType string) timeline.Entity {
	return timeline.Entity{ID: "ns/pod/c/0", Type: timeline.EntityType, StartTime: 1,
		Events: []timeline.Event{{Timestamp: time.Now().UnixNano(), Type: eventType}}}
}

func openSpool(t *testing.T, dir string, limits timeline.Limits) *timeline.Spool {
	t.Helper()
	log, _ := newLogger()
	s, err := timeline.OpenSpool(dir, limits, log)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func types(records []timeline.Record) []string {
	var out []string
	for _, r := range records {
		out = append(out, r.Entity.Events[0].Type)
	}
	return out
}

func TestSpoolBoundDropsProgressFirst(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	s, err := timeline.OpenSpool(dir, timeline.Limits{MaxEvents: 5}, newLoggerTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	add := func(class timeline.Class, name string) {
		t.Helper()
		if _, _, err := s.Append(class, entity(name)); err != nil {
			t.Fatal(err)
		}
	}
	add(timeline.ClassLifecycle, "S")
	for _, p := range []string{"P1", "P2", "P3", "P4", "P5"} {
		add(timeline.ClassProgress, p)
	}
	add(timeline.ClassLifecycle, "F")
	want := []string{"S", "P3", "P4", "P5", "F"}
	if got := types(s.Pending(100, 1<<20)); !reflect.DeepEqual(got, want) {
		t.Fatalf("pending %v, want %v", got, want)
	}
	if s.Dropped() != 2 {
		t.Errorf("Dropped() = %d, want 2", s.Dropped())
	}
	pending := s.Pending(100, 1<<20)
	if got := pending[3].Entity.Events[0].Info[timeline.DroppedInfoKey]; got != 1 {
		t.Errorf("P5 reports %v drops, want 1", got)
	}
	if got := pending[4].Entity.Events[0].Info[timeline.DroppedInfoKey]; got != 1 {
		t.Errorf("F reports %v drops, want 1", got)
	}
	if !strings.Contains(logs.String(), `"dropped":1`) {
		t.Errorf("no log line counts the drops:\n%s", logs.String())
	}
	// Lifecycle events push the remaining progress events out, then are
	// kept beyond the bound.
	for _, name := range []string{"K1", "K2", "K3", "K4"} {
		add(timeline.ClassLifecycle, name)
	}
	want = []string{"S", "F", "K1", "K2", "K3", "K4"}
	if got := types(s.Pending(100, 1<<20)); !reflect.DeepEqual(got, want) || s.Dropped() != 5 {
		t.Fatalf("pending %v with %d dropped, want %v and 5", got, s.Dropped(), want)
	}
	s.Close()
	s = openSpool(t, dir, timeline.Limits{MaxEvents: 5})
	defer s.Close()
	if got := types(s.Pending(100, 1<<20)); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening, pending %v, want %v", got, want)
	}
}

func TestSpoolBytesBound(t *testing.T) {
	s := openSpool(t, t.TempDir(), timeline.Limits{MaxBytes: 1000})
	defer s.Close()
	for range 50 {
		if _, _, err := s.Append(timeline.ClassProgress, entity("P")); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Len(); n == 0 || n > 10 || s.Dropped() != 50-n {
		t.Errorf("%d events pending and %d dropped under a 1000-byte bound", n, s.Dropped())
	}
}

func TestSpoolAckSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s := openSpool(t, dir, timeline.Limits{})
	var seqs []uint64
	for _, name := range []string{"A", "B", "C"} {
		r, _, err := s.Append(timeline.ClassLifecycle, entity(name))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, r.Seq)
	}
	if err := s.Ack(seqs[1]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A torn line, as a crash in the middle of a write leaves it.
	f, err := os.OpenFile(filepath.Join(dir, "events.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"seq":99,"class":"lifecycle","entity":{"ent`)
	f.Close()

	s = openSpool(t, dir, timeline.Limits{})
	if got := types(s.Pending(10, 1<<20)); !reflect.DeepEqual(got, []string{"C"}) {
		t.Fatalf("after reopening, pending %v, want [C]", got)
	}
	r, _, err := s.Append(timeline.ClassLifecycle, entity("D"))
	if err != nil || r.Seq <= seqs[2] {
		t.Fatalf("new record seq %d (%v), want after %d", r.Seq, err, seqs[2])
	}
	s.Close()
	s = openSpool(t, dir, timeline.Limits{})
	defer s.Close()
	if got := types(s.Pending(10, 1<<20)); !reflect.DeepEqual(got, []string{"C", "D"}) {
		t.Errorf("pending %v, want [C D]: the torn line broke the next append", got)
	}
}

func TestSpoolLockAndStartCounter(t *testing.T) {
	dir := t.TempDir()
	s := openSpool(t, dir, timeline.Limits{})
	if _, err := timeline.OpenSpool(dir, timeline.Limits{}, nil); !errors.Is(err, timeline.ErrSpoolLocked) {
		t.Errorf("second open = %v, want ErrSpoolLocked", err)
	}
	for want := range 3 {
		if n, err := s.CountStart(); err != nil || n != want {
			t.Errorf("CountStart = %d, %v; want %d", n, err, want)
		}
	}
	s.Close()
	s = openSpool(t, dir, timeline.Limits{}) // the lock went with Close
	s.Close()
}

// An agent adopts what another container's agent left in the pod's spool.
func TestAdoptsLeftoversOfOtherContainers(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: secret})
	srv.SetFailure(timelinetest.Failure{Reset: true})
	root := t.TempDir()
	log, _ := newLogger()
	cfg := config(t, srv, root, log)
	cfg.Identity.Container = "stagehand-fetch"
	fetch := start(t, cfg)
	fetch.Lifecycle(timeline.EventFetchStarted, time.Now(), nil)
	fetch.Lifecycle(timeline.EventFetchFinished, time.Now(), nil)
	if err, _ := closeWithin(t, fetch, 100*time.Millisecond); err == nil {
		t.Fatal("delivered to a failing server")
	}
	srv.SetFailure(timelinetest.Failure{})
	cfg.Identity.Container = "mr3-worker"
	worker := start(t, cfg)
	if err, _ := closeWithin(t, worker, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	e, ok := srv.Entity("hivemr3/mr3worker-1/stagehand-fetch/0")
	if !ok || !reflect.DeepEqual(eventTypes(e), []string{"FETCH_STARTED", "FETCH_FINISHED"}) {
		t.Errorf("fetch entity %+v (%v), want its two events delivered by the worker's agent", e, ok)
	}
}
