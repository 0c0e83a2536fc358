package supervise_test

import (
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// TestTaskArgumentsAreLoggedRedacted: a secret passed to the task as an
// argument, or the ATS key's value itself, never reaches the agent's log.
func TestTaskArgumentsAreLoggedRedacted(t *testing.T) {
	a := startAgent(t, []string{"ATS_SECRET_KEY=ats-value-in-args"},
		"--", "/bin/sh", "-c", "exit 0", "sh", "--password=hunter2", "ats-value-in-args", "https://u:p4ss@h/x?token=t0k")
	o := a.wait()
	o.check(t, 0, supervise.ReasonCompleted, "")
	for _, secret := range []string{"hunter2", "ats-value-in-args", "p4ss", "t0k"} {
		if strings.Contains(o.stderr, secret) {
			t.Errorf("the agent's log holds %q:\n%s", secret, o.stderr)
		}
	}
	if !strings.Contains(o.stderr, "task started") {
		t.Fatalf("no task started line in the log:\n%s", o.stderr)
	}
}
