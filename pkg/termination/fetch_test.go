package termination

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func fetchDoc(ok, failed int, errText string) Fetch {
	m := Fetch{Component: FetchComponent, ExitCode: 11, Reason: "NetworkError", Message: "some failed",
		Dependencies: ok + failed, Failed: failed}
	for i := range ok {
		m.Items = append(m.Items, Dependency{Name: fmt.Sprintf("ok-%03d.jar", i), Kind: "jar", State: StatePlaced,
			Bytes: 1 << 20, SHA256: "0123456789ab", Seconds: 0.25})
	}
	for i := range failed {
		m.Items = append(m.Items, Dependency{Name: fmt.Sprintf("bad-%03d.jar", i), Kind: "jar", State: StateFailed,
			Error: errText})
	}
	FailuresFirst(m.Items)
	return m
}

func decode(t *testing.T, data []byte) Fetch {
	t.Helper()
	var got Fetch
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return got
}

func TestFetchEncodeFitsWhole(t *testing.T) {
	m := fetchDoc(3, 1, "download http://h/bad-000.jar: HTTP status 404 Not Found")
	data, fitted, err := m.Encode(MaxBytes)
	if err != nil {
		t.Fatal(err)
	}
	got := decode(t, data)
	if got.Truncated || got.Omitted != 0 || len(got.Items) != 4 || fitted.Truncated {
		t.Errorf("a small document was truncated: %s", data)
	}
	if got.Items[0].State != StateFailed || got.Items[1].Name != "ok-000.jar" {
		t.Errorf("want the failure first, then job order: %s", data)
	}
}

// TestFetchEncodeTruncates: many dependencies and long errors are cut to
// fit, the failures kept, the cut marked and counted.
func TestFetchEncodeTruncates(t *testing.T) {
	for _, tc := range []struct {
		name        string
		ok, failed  int
		errText     string
		wantFailAll bool
	}{
		{"many successes", 200, 2, "HTTP status 404 Not Found", true},
		{"long errors", 10, 10, strings.Repeat("<ö\"", 2000), true},
		{"too many failures", 0, 300, "HTTP status 404 Not Found", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := fetchDoc(tc.ok, tc.failed, tc.errText)
			data, fitted, err := m.Encode(MaxBytes)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) >= MaxBytes {
				t.Fatalf("encoded %d bytes, want < %d", len(data), MaxBytes)
			}
			if len(data) < MaxBytes-600 {
				t.Errorf("encoded only %d bytes: items left out that would fit", len(data))
			}
			got := decode(t, data)
			if !got.Truncated || got.Omitted != tc.ok+tc.failed-len(got.Items) || got.Omitted == 0 && tc.failed+tc.ok > 20 {
				t.Errorf("truncated %v, omitted %d with %d of %d items kept", got.Truncated, got.Omitted, len(got.Items), tc.ok+tc.failed)
			}
			if fitted.Omitted != got.Omitted || len(fitted.Items) != len(got.Items) {
				t.Errorf("the returned document is not the encoded one")
			}
			failures := 0
			for i, item := range got.Items {
				if item.State == StateFailed {
					failures++
					if i > 0 && got.Items[i-1].State != StateFailed {
						t.Errorf("a failure after a success at %d", i)
					}
				}
				if !utf8.ValidString(item.Error) || len(item.Error) > maxErrorBytes {
					t.Errorf("error not cut cleanly: %d bytes", len(item.Error))
				}
			}
			if tc.wantFailAll && failures != tc.failed {
				t.Errorf("%d failures kept, want all %d", failures, tc.failed)
			}
			if got.Dependencies != tc.ok+tc.failed || got.Failed != tc.failed {
				t.Errorf("counts lost: %d dependencies, %d failed", got.Dependencies, got.Failed)
			}
		})
	}
}

func TestFetchEncodeTinyLimit(t *testing.T) {
	m := fetchDoc(1, 1, "x")
	m.Message = strings.Repeat("m", 1000)
	data, fitted, err := m.Encode(200)
	if err != nil {
		t.Fatal(err)
	}
	got := decode(t, data)
	if len(data) >= 200 || len(got.Items) != 0 || got.Omitted != 2 || !strings.HasSuffix(got.Message, Ellipsis) {
		t.Errorf("%d bytes: %s", len(data), data)
	}
	if fitted.Message != got.Message {
		t.Errorf("returned message %q, encoded %q", fitted.Message, got.Message)
	}
}
