package main

import (
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/fetch"
)

// TestFetchAllowedHosts: `agent fetch --allowed-hosts` reaches the fetcher:
// a dependency outside the allowlist is bad input before any request (a
// connection refused at dial time would exit 11). Only loopback is named.
func TestFetchAllowedHosts(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--allowed-hosts", "*.example.com", "--jars-dir", dir, "--jar", "http://127.0.0.1:1/x.jar"}, fetch.ExitBadInput},
		{[]string{"--allowed-hosts", "https://bad", "--jars-dir", dir, "--jar", "http://127.0.0.1:1/x.jar"}, fetch.ExitBadInput},
		{[]string{"--allowed-hosts", "127.0.0.1", "--jars-dir", dir, "--jar", "http://127.0.0.1:1/x.jar", "--timeout", "5s"}, fetch.ExitNetwork},
	} {
		if code, _, _ := agent(t, append([]string{"fetch"}, tc.args...)...); code != tc.want {
			t.Errorf("agent fetch %q = %d, want %d", tc.args, code, tc.want)
		}
	}
}
