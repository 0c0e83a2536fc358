package timelinetest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

func post(t *testing.T, srv *timelinetest.Server, token, query string, body any) *http.Response {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/ws/v1/timeline/"+query, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set(timeline.TokenHeader, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestTokenVerification(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: "HelloWorld"})
	body := timeline.Entities{Entities: []timeline.Entity{{ID: "a", Type: "T", StartTime: 1}}}
	good := timeline.DelegationToken("HelloWorld")
	tampered := []byte(good)
	tampered[40] ^= 1
	for name, tc := range map[string]struct {
		token, query string
		want         int
	}{
		"valid":              {good, "", 200},
		"HelloWorld vector":  {"GgoOTVIzX0FQUF9NQVNURVIo__________9_FIyys03OSiGjfeen-b1Mx4qLxxPGGVRJTUVMSU5FX0RFTEVHQVRJT05fVE9LRU4A", "", 200},
		"none":               {"", "", 403},
		"wrong secret":       {timeline.DelegationToken("HelloWorld!"), "", 403},
		"tampered":           {string(tampered), "", 403},
		"garbage":            {"not-a-token", "", 403},
		"simple not enabled": {"", "?user.name=hive", 403},
	} {
		if resp := post(t, srv, tc.token, tc.query, body); resp.StatusCode != tc.want {
			t.Errorf("%s: HTTP %d, want %d", name, resp.StatusCode, tc.want)
		}
	}
}

func TestSimpleAuthAndQueries(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: "k", AcceptSimple: true})
	for _, ns := range []string{"a", "b", "a"} {
		e := timeline.Entity{ID: ns + "/p", Type: timeline.EntityType, StartTime: 5,
			PrimaryFilters: map[string][]string{"namespace": {ns}},
			Events:         []timeline.Event{{Timestamp: 1, Type: "X"}, {Timestamp: 2, Type: "Y"}}}
		if resp := post(t, srv, "", "?user.name=hive", timeline.Entities{Entities: []timeline.Entity{e}}); resp.StatusCode != 200 {
			t.Fatalf("simple auth: HTTP %d", resp.StatusCode)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet,
		srv.URL+"/ws/v1/timeline/STAGEHAND_TASK?primaryFilter=namespace:a&user.name=hive", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got timeline.Entities
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Entities) != 1 || got.Entities[0].ID != "a/p" || len(got.Entities[0].Events) != 2 ||
		got.Entities[0].Events[0].Type != "Y" {
		t.Errorf("GET = %+v, want entity a/p once with its two events merged, newest first", got)
	}
	if _, _, events := srv.Stats(); events != 6 {
		t.Errorf("received %d events, want 6 (duplicates included)", events)
	}
	if b := srv.Bodies(); len(b) != 3 || !strings.Contains(string(b[1]), `"b/p"`) {
		t.Errorf("bodies %q", b)
	}
}
