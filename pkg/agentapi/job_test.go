package agentapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestJobWireFormat pins the JSON names of every Job field: a webhook and
// an agent of different releases read each other's jobs only while they
// stay the same.
func TestJobWireFormat(t *testing.T) {
	job := Job{
		JarsDir: "/j", FilesDir: "/f", Jars: []string{"https://h/a.jar"}, Files: []string{"https://h/b"},
		Archives: []string{"https://h/c.zip"}, ManifestPath: "/j/m.json", Parallelism: 2,
		Timeout: Duration(time.Minute), ConnectTimeout: Duration(time.Second), StallTimeout: Duration(2 * time.Second),
		FileTimeout: Duration(3 * time.Second), MaxFileBytes: 1, MaxTotalBytes: 2, MaxArchiveExpandedBytes: 3,
		MaxArchiveFiles: 4, MaxAttempts: 5, RetryBaseDelay: Duration(time.Millisecond), RetryMaxDelay: Duration(4 * time.Second),
		ProgressInterval: Duration(5 * time.Second), CAFile: "/ca", AuthFile: "/auth", AllowedHosts: []string{"*.example.com"},
	}
	const want = `{"jarsDir":"/j","filesDir":"/f","jars":["https://h/a.jar"],"files":["https://h/b"],` +
		`"archives":["https://h/c.zip"],"manifestPath":"/j/m.json","parallelism":2,"timeout":"1m0s",` +
		`"connectTimeout":"1s","stallTimeout":"2s","fileTimeout":"3s","maxFileBytes":1,"maxTotalBytes":2,` +
		`"maxArchiveExpandedBytes":3,"maxArchiveFiles":4,"maxAttempts":5,"retryBaseDelay":"1ms",` +
		`"retryMaxDelay":"4s","progressInterval":"5s","caFile":"/ca","authFile":"/auth","allowedHosts":["*.example.com"]}`
	data, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != want {
		t.Fatalf("job encodes as\n%s\nwant\n%s", data, want)
	}
	if data, _ := json.Marshal(Job{}); string(data) != "{}" {
		t.Errorf("the zero job encodes as %s, want {}: zero fields are left to the agent's defaults", data)
	}
}

func TestJobJSONRoundTrip(t *testing.T) {
	job := Job{JarsDir: "/j", Jars: []string{"https://h/x.jar"}, StallTimeout: Duration(30 * time.Second)}
	data, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"stallTimeout":"30s"`) || strings.Contains(string(data), "timeout\":\"0s") {
		t.Fatalf("marshalled job = %s", data)
	}
	var decoded Job
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.StallTimeout != job.StallTimeout || decoded.JarsDir != "/j" {
		t.Fatalf("decoded = %+v", decoded)
	}
	defaulted := decoded.WithDefaults()
	if defaulted.ManifestPath != "/j/"+ManifestFileName || defaulted.Parallelism != DefaultParallelism {
		t.Fatalf("defaults = %+v", defaulted)
	}
	if files := (Job{FilesDir: "/f"}).WithDefaults(); files.ManifestPath != "/f/"+ManifestFileName {
		t.Errorf("without a jars directory the manifest is %q, want it in the files directory", files.ManifestPath)
	}
}

func TestDurationAcceptsNanoseconds(t *testing.T) {
	var d Duration
	if err := json.Unmarshal([]byte(`1500000000`), &d); err != nil || time.Duration(d) != 1500*time.Millisecond {
		t.Errorf("1500000000 decodes to %s, %v; want 1.5s", time.Duration(d), err)
	}
	for _, bad := range []string{`"soon"`, `true`, `"1"`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s decodes without error", bad)
		}
	}
}
