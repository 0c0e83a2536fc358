package fetch

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// TestAllowedHostsFlag: --allowed-hosts replaces the job's allowedHosts,
// like every flag; it may not be empty and follows the allowlist syntax.
func TestAllowedHostsFlag(t *testing.T) {
	env := `{"jarsDir":"/j","jars":["https://h/a.jar"],"allowedHosts":["*.example.com"]}`
	job, _, err := parseArgs(nil, env, &bytes.Buffer{})
	if err != nil || !reflect.DeepEqual(job.AllowedHosts, []string{"*.example.com"}) {
		t.Fatalf("from the environment: %q, %v", job.AllowedHosts, err)
	}
	job, _, err = parseArgs([]string{"--allowed-hosts", " Repo.Internal ,*.maven.org"}, env, &bytes.Buffer{})
	if err != nil || !reflect.DeepEqual(job.AllowedHosts, []string{"repo.internal", "*.maven.org"}) {
		t.Fatalf("flag over the environment: %q, %v", job.AllowedHosts, err)
	}
	for _, bad := range []string{"", " , ", "https://h", "h:443", "["} {
		_, _, err := parseArgs([]string{"--allowed-hosts", bad}, env, &bytes.Buffer{})
		assertExitCode(t, err, ExitBadInput)
	}
	job = testJob(t)
	job.AllowedHosts = []string{"ok.example.com", "h/x"}
	_, err = runJob(t, job)
	assertExitCode(t, err, ExitBadInput)
}

// TestAllowedHostsProcess runs `agent fetch` as a process: a dependency
// whose host the allowlist does not match is bad input (exit 10) before
// any request; --allowed-hosts wins over the job's list in both
// directions. (Only loopback is used: a process runs the real network.)
func TestAllowedHostsProcess(t *testing.T) {
	server := newRedirectServer(t, false)
	run := func(env agentapi.Job, args ...string) (int, string) {
		t.Helper()
		data, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		child := exec.Command(os.Args[0], args...)
		child.Env = append(os.Environ(), childProcessEnv+"=1", agentapi.EnvJob+"="+string(data))
		var stderr bytes.Buffer
		child.Stderr = &stderr
		err = child.Run()
		if exitErr, ok := err.(*exec.ExitError); ok {
			return exitErr.ExitCode(), stderr.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, stderr.String()
	}
	job := testJob(t)
	job.Jars = []string{server.URL + "/x.jar"}

	code, logs := run(job, "--allowed-hosts", "*.example.com")
	if code != ExitBadInput || !strings.Contains(logs, `host \"127.0.0.1\" is not allowed (valid: hosts matching *.example.com`) {
		t.Errorf("127.0.0.1 outside the allowlist: exit %d, want %d\n%s", code, ExitBadInput, logs)
	}
	job.AllowedHosts = []string{"127.0.0.1"}
	if code, logs := run(job, "--allowed-hosts", "*.example.com"); code != ExitBadInput {
		t.Errorf("the flag does not replace the job's allowlist: exit %d\n%s", code, logs)
	}
	if code, logs := run(job); code != ExitOK {
		t.Errorf("the job's allowlist: exit %d\n%s", code, logs)
	}
	job.AllowedHosts = []string{"*.example.com"}
	if code, logs := run(job, "--allowed-hosts", "127.0.0.1"); code != ExitOK {
		t.Errorf("the flag's allowlist: exit %d\n%s", code, logs)
	}
	assertFileContent(t, filepath.Join(job.JarsDir, "x.jar"), []byte("jar"))
	if n := server.downloads.Load(); n != 2 {
		t.Errorf("%d downloads, want 2: a refused host is never asked", n)
	}
}

// TestBannedHostsAreBadInput: a job naming a cloud metadata service, by
// name or address, is bad input before anything is resolved or dialed.
func TestBannedHostsAreBadInput(t *testing.T) {
	for _, uri := range []string{
		"http://metadata.google.internal/computeMetadata/v1/x.jar",
		"http://instance-data/latest/x.jar",
		"http://169.254.169.254/latest/x.jar",
		"http://[fd00:ec2::254]/x.jar",
		"http://[64:ff9b::a9fe:a9fe]/x.jar",
		"http://100.100.100.200/x.jar",
	} {
		job := testJob(t).WithDefaults()
		job.AllowedHosts = []string{"*"}
		job.Jars = []string{uri}
		_, err := parseJobDependencies(job)
		assertExitCode(t, err, ExitBadInput)
		if !strings.Contains(err.Error(), "may never be fetched from") {
			t.Errorf("%s: %v", uri, err)
		}
	}
}
