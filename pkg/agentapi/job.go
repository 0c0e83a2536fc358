package agentapi

import (
	"path/filepath"
	"time"
)

// EnvJob is the environment variable holding the JSON-encoded Job, which
// `agent fetch` reads. Webhooks before CommandInit set it in their fetch
// init container; CommandInit gets its job from flags.
const EnvJob = "STAGEHAND_FETCH_JOB"

// ManifestFileName is the base name of the default manifest path.
const ManifestFileName = ".stagehand-manifest.json"

// Defaults of zero-valued Job fields, applied by WithDefaults.
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

// Job describes everything one `agent fetch` run does. The webhook marshals
// it into EnvJob. Zero values mean "use the default"; negative numbers are
// rejected.
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

// WithDefaults returns a copy of j with zero fields replaced by defaults.
func (j Job) WithDefaults() Job {
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
