package fetch

import (
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/egress"
)

// validateJob checks a Job that already has its defaults applied.
func validateJob(j agentapi.Job) error {
	if len(j.Jars) > 0 && j.JarsDir == "" {
		return badInput("validate job", "", "jars given but no jars directory")
	}
	if len(j.Files)+len(j.Archives) > 0 && j.FilesDir == "" {
		return badInput("validate job", "", "files or archives given but no files directory")
	}
	if j.ManifestPath == "" {
		return badInput("validate job", "", "no manifest path and no directory to derive it from")
	}
	positive := map[string]int64{
		"parallelism":             int64(j.Parallelism),
		"timeout":                 int64(j.Timeout),
		"connectTimeout":          int64(j.ConnectTimeout),
		"stallTimeout":            int64(j.StallTimeout),
		"maxFileBytes":            j.MaxFileBytes,
		"maxTotalBytes":           j.MaxTotalBytes,
		"maxArchiveExpandedBytes": j.MaxArchiveExpandedBytes,
		"maxArchiveFiles":         int64(j.MaxArchiveFiles),
		"maxAttempts":             int64(j.MaxAttempts),
		"retryBaseDelay":          int64(j.RetryBaseDelay),
		"retryMaxDelay":           int64(j.RetryMaxDelay),
		"progressInterval":        int64(j.ProgressInterval),
	}
	for name, value := range positive {
		if value <= 0 {
			return badInput("validate job", "", "%s must be positive, got %d", name, value)
		}
	}
	if j.FileTimeout < 0 {
		return badInput("validate job", "", "fileTimeout must not be negative")
	}
	if err := egress.CheckHosts(j.AllowedHosts); err != nil {
		return badInput("validate job", "", "allowedHosts: %w", err)
	}
	return nil
}

// jobPolicy is where the job's downloads may connect.
func jobPolicy(j agentapi.Job) egress.Policy {
	hosts := make([]string, len(j.AllowedHosts))
	for i, glob := range j.AllowedHosts {
		hosts[i] = strings.ToLower(glob)
	}
	return egress.Policy{AllowedHosts: hosts}
}
