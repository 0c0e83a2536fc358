package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestTemplate(t *testing.T) {
	tpl := NewTemplate([]byte(`{"uid":"u-@N@","name":"pod-@N@"}`), "@N@")
	if got, want := string(tpl.Body(7)), `{"uid":"u-7","name":"pod-7"}`; got != want {
		t.Errorf("Body(7) = %s, want %s", got, want)
	}
	if got, want := string(NewTemplate([]byte("plain"), "@N@").Body(3)), "plain"; got != want {
		t.Errorf("a template without marker gave %s, want %s", got, want)
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if seen[string(body)] {
			t.Errorf("body %s sent twice", body)
		}
		seen[string(body)] = true
	}))
	defer srv.Close()
	target := &Target{Client: srv.Client(), URL: srv.URL, Template: tpl}
	if _, err := (Closed{Concurrency: 4, Duration: time.Minute, MaxRequests: 40}).Run(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 40 {
		t.Errorf("%d distinct bodies, want 40", len(seen))
	}
}
