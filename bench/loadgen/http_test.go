package loadgen

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTarget(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/patched":
			_, _ = w.Write([]byte(`{"response":{"uid":"u","allowed":true,"patch":"W10=","patchType":"JSONPatch"}}`))
		case "/allowed":
			_, _ = w.Write([]byte(`{"response":{"uid":"u","allowed":true}}`))
		default:
			http.Error(w, "no", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	tr := NewTransport(nil, 4)
	tr.TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	client := &http.Client{Transport: tr}
	ctx := context.Background()

	if err := (&Target{Client: client, URL: srv.URL + "/patched", Body: []byte("{}"), Check: CheckAllowed(true)}).Do(ctx); err != nil {
		t.Errorf("patched: %v", err)
	}
	err := (&Target{Client: client, URL: srv.URL + "/allowed", Check: CheckAllowed(true)}).Do(ctx)
	if !errors.Is(err, ErrNoPatch) {
		t.Errorf("allowed without patch, want ErrNoPatch: %v", err)
	}
	if err := (&Target{Client: client, URL: srv.URL + "/allowed", Check: CheckAllowed(false)}).Do(ctx); err != nil {
		t.Errorf("allowed: %v", err)
	}
	err = (&Target{Client: client, URL: srv.URL + "/fail"}).Do(ctx)
	if err == nil || !strings.Contains(err.Error(), "status 500") {
		t.Errorf("500: got %v", err)
	}
}

func TestCheckAllowedDenied(t *testing.T) {
	if err := CheckAllowed(false)([]byte(`{"response":{"allowed":false}}`)); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("denied: got %v", err)
	}
}
