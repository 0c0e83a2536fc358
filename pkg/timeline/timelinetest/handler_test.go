package timelinetest_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

// TestHandler: the Server of NewHandler, served by an http.Server of
// one's own, checks the token and stores what it accepts.
func TestHandler(t *testing.T) {
	h := timelinetest.NewHandler(timelinetest.Options{Secret: "handler-secret"})
	srv := httptest.NewServer(h)
	defer srv.Close()
	entity := timeline.Entity{ID: "e1", Type: timeline.EntityType, StartTime: 1,
		Events: []timeline.Event{{Timestamp: 1, Type: timeline.EventTaskStarted}}}
	for _, secret := range []string{"wrong", "handler-secret"} {
		c, err := timeline.NewClient(srv.URL, timeline.Auth{Secret: secret}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Put(context.Background(), []timeline.Entity{entity})
		if wantOK := secret == "handler-secret"; (err == nil) != wantOK {
			t.Errorf("secret %q: Put error %v, want success %v", secret, err, wantOK)
		}
	}
	if got, ok := h.Entity("e1"); !ok || len(got.Events) != 1 {
		t.Errorf("stored entity %+v (found %v), want e1 with one event", got, ok)
	}
	if requests, rejected, _ := h.Stats(); requests != 2 || rejected != 1 {
		t.Errorf("requests %d, rejected %d; want 2 and 1", requests, rejected)
	}
}
