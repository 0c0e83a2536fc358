// Package fetch downloads the dependencies of a data-processing worker (jars,
// plain files and archives) into local directories before the worker starts.
//
// It is the library behind `agent fetch`. The whole job is described by an
// [agentapi.Job] (Job below), read from the JSON environment variable
// STAGEHAND_FETCH_JOB (see [agentapi.EnvJob]) and/or from command-line flags
// (flags override the environment); see [Main]. The webhook writes that
// variable; package agentapi is all the two share.
//
// # Dependencies
//
// Each dependency is a URI with scheme https://, http:// or local://, read
// by [agentapi.ParseDependency], as at admission.
//
//   - https:// and http:// URIs are downloaded. A bearer token read from
//     Job.AuthFile is sent with every request and never logged.
//   - local:///abs/path (or local:/abs/path) names a file that is already in
//     the image. It is never fetched nor checked; it is only listed in the
//     manifest with its path. A #sha256= fragment is rejected on local URIs.
//   - Any other scheme is a bad-input error naming the scheme.
//
// A URI may end in "#sha256=<64 hex digits>"; the downloaded bytes must then
// hash to that value. The base name of the URI path is the dependency name;
// two dependencies (of any kind) with the same base name are rejected.
//
// Up to Job.Parallelism downloads run at once, largest first as far as
// sizes are known, otherwise in list order: jars, then files, then
// archives, each in the order given. When there are more downloads than
// that, their sizes are probed with HEAD requests (with the same headers),
// one at a time on one more connection, while the first downloads run, so
// that a large dependency listed last does not end the run as a lone
// transfer. A failed probe only leaves that dependency in list order;
// after a few failures in a row probing stops.
//
// Jars are written to JarsDir/<name> and files to FilesDir/<name>. Archives
// whose name ends in .tar.gz, .tgz or .zip (case-insensitive) are unpacked
// into FilesDir/<name without that suffix>; for example conf.tar.gz is
// unpacked into FilesDir/conf and deps.zip into FilesDir/deps. The archive
// file itself is not kept. An archive with any other suffix is bad input.
//
// # Where downloads may connect
//
// Job.AllowedHosts (or --allowed-hosts, which replaces it like every flag;
// the webhook sets it to STAGEHAND_ALLOWED_DEPENDENCY_HOSTS) lists the host
// globs URIs and redirects may name; empty allows every host. Whatever it
// says, the names and addresses of cloud metadata services and the like
// are never reached: package egress lists them in one place. Three checks
// hold this, all with the same egress.Policy as the webhook's admission:
//
//   - every URI's host, before anything is fetched: a host refused is bad
//     input (exit 10);
//   - every redirect: its host, and no https:// to http:// downgrade, and
//     at most 10 redirects;
//   - every connection, in the dialer: the fetcher resolves the name
//     itself, refuses it when any of its addresses is banned (or is
//     loopback and the allowlist allows neither "localhost" nor it), and
//     connects to the checked addresses only; the dialer's Control hook
//     checks each address once more just before connect. DNS rebinding is
//     why the check is at dial time.
//
// A refused redirect or connection fails the dependency at once (exit 11,
// not retried) with an error naming the dependency and the redirect
// target, redacted, and why. Through an HTTP proxy only the proxy's
// address is checked at dial time.
//
// # Crash safety
//
// Every download is written to <target dir>/<name>.part, verified (size,
// sha256), fsynced and only then renamed to its final name, so a file never
// appears at its final name unless it is complete and verified. The fsync
// and rename run in the background while the next download goes on, and
// JarsDir and FilesDir are fsynced once, after the last rename and before
// the manifest is written. Archives are unpacked into a temporary directory
// in FilesDir that is renamed into place.
// At start every *.part file and leftover temporary unpack directory in
// JarsDir and FilesDir is removed, as is any manifest from an earlier run: a
// download is never resumed into an unverified file.
//
// The result [Manifest] is written last, atomically, to Job.ManifestPath
// (default JarsDir/.stagehand-manifest.json, or
// FilesDir/.stagehand-manifest.json when there is no JarsDir). Its presence
// means the whole job succeeded; read it with [ReadManifest].
//
// # Concurrent runs
//
// A run holds an exclusive flock(2) on JarsDir, FilesDir and the manifest's
// directory (the directories themselves; no lock file is created) from
// before it removes the old manifest until after it writes the new one.
// Fetchers started at once on the same directories therefore run one after
// the other: each waits, within Job.Timeout (exit 11 when it elapses),
// then does its whole job from the start: it removes the manifest, fetches
// and verifies everything again and atomically replaces the files at their
// final names, so a file there is always complete. The kernel releases the
// lock of a fetcher that dies. On a file system without flock support the
// run goes on unlocked, with a warning.
//
// # Retries and limits
//
// Responses 408, 429 and 5xx, network errors, connections reset mid-body,
// bodies shorter than their Content-Length and stalled transfers are retried
// up to Job.MaxAttempts times with exponential backoff and full jitter; a
// Retry-After header (seconds or HTTP date) is honoured, capped at
// Job.RetryMaxDelay. Other 4xx responses, integrity failures and size limits
// are not retried. Per-file and total size limits are hard errors, checked
// against Content-Length up front and against the bytes actually received.
//
// Archives are unpacked safely: entries with absolute paths or ".."
// components, links pointing outside the unpack directory, dangling links and
// device or FIFO entries reject the archive (exit 12). Exceeding
// Job.MaxArchiveExpandedBytes or Job.MaxArchiveFiles (an archive bomb) is a
// size limit (exit 13).
//
// # Progress
//
// Every Job.ProgressInterval a "fetch progress" log line gives bytes (of
// the current attempts; a retried download is not counted twice),
// bytesPerSecond (every byte received since the start), filesDone,
// filesFailed, filesTotal, elapsed, sizesKnown and, once the size of every
// download not failed is known (from its response or a size probe),
// bytesTotal, percent and eta. states counts the dependencies in each state
// and active lists those being worked on, each with its bytes, size,
// percent and attempt. The states, defined in package termination, are
// queued, fetching, retrying, verified (downloaded, size and sha256
// checked), extracting, then placed (jars and files), extracted
// (archives) or local; or failed. Each dependency also has its own lines:
// "fetching" when it starts, "download attempt failed, retrying",
// "fetched" (placed or extracted, with its bytes and duration) or
// "dependency failed" (with its exit code and error). "fetch complete"
// ends a successful run, "fetch failed" a failed one.
//
// # Termination message
//
// Whatever the outcome, flag errors and SIGTERM included, Main writes a
// JSON document shorter than 4096 bytes (the kubelet's limit; see
// package termination) to the termination log: --termination-log, else
// $STAGEHAND_TERMINATION_LOG, else /dev/termination-log when it exists.
//
//	{"component":"stagehand-fetch","exitCode":11,"reason":"NetworkError",
//	 "message":"1 of 3 dependencies failed: b.jar","durationSeconds":2.1,
//	 "dependencies":3,"failed":1,"bytes":1048576,"items":[
//	  {"name":"b.jar","kind":"jar","state":"failed","seconds":0.1,
//	   "error":"download https://redacted@repo/b.jar?redacted: HTTP status 404 Not Found"},
//	  {"name":"a.jar","kind":"jar","state":"placed","bytes":1048576,
//	   "sha256":"3f20f9924ca8","pinned":true,"seconds":1.9},
//	  {"name":"l.jar","kind":"jar","state":"local"}]}
//
// reason names the exit code: Completed, BadInput, NetworkError,
// IntegrityError, SizeLimit or LocalIOError. items lists every dependency,
// the failed ones first, then in job order, with its final state (a
// dependency never started because the run stopped is skipped), the bytes
// of its last attempt, the first 12 hex digits of its sha256 (pinned when
// its URI's #sha256= was checked), its attempts when more than one and
// its duration. When they do not fit, errors and names are cut (ending in
// "...") and items are left out from the end, the failures last:
// "truncated":true and "omitted" counts them. Errors name URIs redacted,
// as the logs do, and the bearer token is removed from every error text
// logged or reported, should a server echo it.
//
// When STAGEHAND_TIMELINE_URL is set, the same figures go to the Timeline
// Server (see package timeline and docs/timeline.md): FETCH_PROGRESS
// events carry the progress line's, FETCH_FINISHED the summary.
//
// # Exit codes
//
// [Main] returns one of:
//
//	0  ExitOK         success; the manifest has been written
//	10 ExitBadInput   usage error, bad or unsupported URI, duplicate name,
//	                  a host refused (see above), bad job JSON, unreadable
//	                  CA or auth file
//	11 ExitNetwork    network failure after retries, HTTP error status,
//	                  stall, per-file or overall timeout, a redirect or
//	                  an address refused (see above)
//	12 ExitIntegrity  sha256 mismatch, corrupt or unsafe archive
//	13 ExitSizeLimit  per-file, total, archive-expanded or archive-file-count
//	                  limit exceeded
//	14 ExitLocalIO    local I/O error (disk full, permissions, ...)
//
// Errors are of type [*Error]; use [ExitCode] or errors.As to classify them.
// Every error message and log line names the dependency by its redacted URI
// (userinfo and query string replaced), never the raw one.
package fetch
