package fetch

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/egress"
)

// EnvJob is the environment variable holding the JSON-encoded Job.
const EnvJob = "STAGEHAND_FETCH_JOB"

// ManifestFileName is the base name of the default manifest path.
const ManifestFileName = ".stagehand-manifest.json"

// Defaults applied to zero-valued Job fields.
const (
	DefaultParallelism             = 5
	DefaultTimeout                 = 5 * time.Minute
	DefaultConnectTimeout          = 10 * time.Second
	DefaultStallTimeout            = 30 * time.Second
	DefaultMaxFileBytes            = int64(2 << 30) // 2 GiB
	DefaultMaxTotalBytes           = int64(8 << 30) // 8 GiB
	DefaultMaxArchiveExpandedBytes = int64(4 << 30) // 4 GiB
	DefaultMaxArchiveFiles         = 100_000
	DefaultMaxAttempts             = 5
	DefaultRetryBaseDelay          = 500 * time.Millisecond
	DefaultRetryMaxDelay           = 30 * time.Second
	DefaultProgressInterval        = 10 * time.Second
)

// Job describes everything one `agent fetch` run does. The webhook marshals it
// into STAGEHAND_FETCH_JOB. Zero values mean "use the default"; negative
// numbers are rejected.
type Job struct {
	// JarsDir receives the jars. Required when Jars is non-empty.
	JarsDir string `json:"jarsDir,omitempty"`
	// FilesDir receives plain files and unpacked archives. Required when
	// Files or Archives is non-empty.
	FilesDir string `json:"filesDir,omitempty"`

	// Jars are URIs of jars, written to JarsDir/<base name>.
	Jars []string `json:"jars,omitempty"`
	// Files are URIs of plain files, written to FilesDir/<base name>.
	Files []string `json:"files,omitempty"`
	// Archives are URIs of .tar.gz, .tgz or .zip archives, unpacked into
	// FilesDir/<base name without that suffix>.
	Archives []string `json:"archives,omitempty"`

	// ManifestPath is where the result manifest is written. Default:
	// JarsDir/.stagehand-manifest.json, or FilesDir/.stagehand-manifest.json
	// when JarsDir is empty. Required if both directories are empty.
	ManifestPath string `json:"manifestPath,omitempty"`

	// Parallelism bounds concurrent downloads. Default 5.
	Parallelism int `json:"parallelism,omitempty"`
	// Timeout bounds the whole run. Default 5m.
	Timeout Duration `json:"timeout,omitempty"`
	// ConnectTimeout bounds TCP connect and TLS handshake. Default 10s.
	ConnectTimeout Duration `json:"connectTimeout,omitempty"`
	// StallTimeout fails an attempt when no byte (header or body) arrives for
	// this long; the attempt is then retried. Default 30s.
	StallTimeout Duration `json:"stallTimeout,omitempty"`
	// FileTimeout bounds one dependency, all attempts and unpacking included.
	// Default 0: bounded only by Timeout.
	FileTimeout Duration `json:"fileTimeout,omitempty"`

	// MaxFileBytes is the largest accepted download. Default 2 GiB.
	MaxFileBytes int64 `json:"maxFileBytes,omitempty"`
	// MaxTotalBytes is the largest accepted sum of all downloads. Default 8 GiB.
	MaxTotalBytes int64 `json:"maxTotalBytes,omitempty"`
	// MaxArchiveExpandedBytes caps the bytes unpacked from one archive.
	// Default 4 GiB.
	MaxArchiveExpandedBytes int64 `json:"maxArchiveExpandedBytes,omitempty"`
	// MaxArchiveFiles caps the entries unpacked from one archive.
	// Default 100000.
	MaxArchiveFiles int `json:"maxArchiveFiles,omitempty"`

	// MaxAttempts bounds download attempts per dependency. Default 5.
	MaxAttempts int `json:"maxAttempts,omitempty"`
	// RetryBaseDelay is the initial backoff ceiling; it doubles per attempt
	// and the actual delay is uniformly random below it. Default 500ms.
	RetryBaseDelay Duration `json:"retryBaseDelay,omitempty"`
	// RetryMaxDelay caps both the backoff and a server's Retry-After.
	// Default 30s.
	RetryMaxDelay Duration `json:"retryMaxDelay,omitempty"`

	// ProgressInterval is the period of progress log lines. Default 10s.
	ProgressInterval Duration `json:"progressInterval,omitempty"`

	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string `json:"caFile,omitempty"`
	// AuthFile holds a bearer token sent as "Authorization: Bearer <token>"
	// with every HTTP request. Surrounding whitespace is trimmed.
	AuthFile string `json:"authFile,omitempty"`

	// AllowedHosts are the host globs (path.Match syntax, as in
	// STAGEHAND_ALLOWED_DEPENDENCY_HOSTS) that dependency URIs and their
	// redirects may name; empty allows every host. Whatever it says, the
	// addresses and names package egress bans are never reached. The
	// webhook sets it to its own allowlist; --allowed-hosts replaces it.
	AllowedHosts []string `json:"allowedHosts,omitempty"`
}

// Duration is a time.Duration encoded in JSON as a Go duration string such
// as "30s" or "5m". A JSON number is also accepted, as nanoseconds.
type Duration time.Duration

// MarshalJSON encodes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err == nil {
		parsed, err := time.ParseDuration(text)
		if err != nil {
			return fmt.Errorf("invalid duration %q: %w", text, err)
		}
		*d = Duration(parsed)
		return nil
	}
	var nanos int64
	if err := json.Unmarshal(data, &nanos); err != nil {
		return fmt.Errorf("duration must be a string like \"30s\" or integer nanoseconds: %w", err)
	}
	*d = Duration(nanos)
	return nil
}

// withDefaults returns a copy of j with zero fields replaced by defaults.
func (j Job) withDefaults() Job {
	setDefault(&j.Parallelism, DefaultParallelism)
	setDefault(&j.Timeout, Duration(DefaultTimeout))
	setDefault(&j.ConnectTimeout, Duration(DefaultConnectTimeout))
	setDefault(&j.StallTimeout, Duration(DefaultStallTimeout))
	setDefault(&j.MaxFileBytes, DefaultMaxFileBytes)
	setDefault(&j.MaxTotalBytes, DefaultMaxTotalBytes)
	setDefault(&j.MaxArchiveExpandedBytes, DefaultMaxArchiveExpandedBytes)
	setDefault(&j.MaxArchiveFiles, DefaultMaxArchiveFiles)
	setDefault(&j.MaxAttempts, DefaultMaxAttempts)
	setDefault(&j.RetryBaseDelay, Duration(DefaultRetryBaseDelay))
	setDefault(&j.RetryMaxDelay, Duration(DefaultRetryMaxDelay))
	setDefault(&j.ProgressInterval, Duration(DefaultProgressInterval))
	if j.ManifestPath == "" {
		switch {
		case j.JarsDir != "":
			j.ManifestPath = filepath.Join(j.JarsDir, ManifestFileName)
		case j.FilesDir != "":
			j.ManifestPath = filepath.Join(j.FilesDir, ManifestFileName)
		}
	}
	return j
}

func setDefault[T comparable](field *T, fallback T) {
	var zero T
	if *field == zero {
		*field = fallback
	}
}

// validate checks a Job that already has its defaults applied.
func (j Job) validate() error {
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

// policy is where the job's downloads may connect.
func (j Job) policy() egress.Policy {
	hosts := make([]string, len(j.AllowedHosts))
	for i, glob := range j.AllowedHosts {
		hosts[i] = strings.ToLower(glob)
	}
	return egress.Policy{AllowedHosts: hosts}
}
