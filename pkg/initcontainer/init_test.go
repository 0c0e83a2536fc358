package initcontainer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// TestFetchArgs: what init derives comes first, so that the flags given
// override it; --max-file-bytes follows --max-total-bytes.
func TestFetchArgs(t *testing.T) {
	secrets := t.TempDir()
	if err := os.WriteFile(filepath.Join(secrets, agentapi.CAFileName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := parseInit([]string{"--secrets-dir", secrets, "--jar", "https://h/a.jar", "--max-total-bytes", "7", "--install", "--parallelism=2"})
	if err != nil || !opts.install || opts.dir != agentapi.Dir {
		t.Fatalf("parseInit = %+v, %v", opts, err)
	}
	want := []string{
		"--jars-dir=/stagehand/jars", "--files-dir=/stagehand/files", "--max-total-bytes=7", "--max-file-bytes=7",
		"--ca-file=" + filepath.Join(secrets, agentapi.CAFileName),
		"--jar", "https://h/a.jar", "--max-total-bytes", "7", "--parallelism=2",
	}
	if got := fetchArgs(opts); !slices.Equal(got, want) {
		t.Errorf("fetch args\n%q\nwant\n%q", got, want)
	}
	opts, _ = parseInit([]string{"--secrets-dir", t.TempDir(), "--jar=https://h/a.jar"})
	if got := fetchArgs(opts)[2:4]; !slices.Equal(got, []string{"--max-total-bytes=2147483648", "--max-file-bytes=2147483648"}) {
		t.Errorf("default limits %q, want stagehand.io/deps-size-limit's default, 2Gi", got)
	}
}
