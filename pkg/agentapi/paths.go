package agentapi

// Where the agent lives in a pod. The webhook mounts these paths and writes
// them into commands and environment variables; the agent is found and
// writes there. Pods admitted earlier keep them: they do not change.
const (
	// ImageBinary is the agent's path inside the agent image, which the
	// webhook's init container runs.
	ImageBinary = "/agent"
	// Dir is where stagehand's emptyDir is mounted whole in its init
	// container. The app containers mount its subdirectories: BinDir and
	// SpoolDir at the same paths, JarsDir and FilesDir at the pod's own
	// paths (stagehand.io/jars-dir and files-dir).
	Dir = "/stagehand"
	// BinDir is where the init container installs the agent; it is mounted
	// read-only into every wrapped container.
	BinDir = Dir + "/bin"
	// Binary is the agent's path inside every wrapped container.
	Binary = BinDir + "/agent"
	// SpoolDir is where the agent and the fetcher spool Timeline Server
	// events, in the emptyDir, which outlives container restarts; the
	// webhook also passes it to wrapped containers in EnvSpoolDir.
	SpoolDir = Dir + "/spool"
	// JarsDir and FilesDir are where the init container fetches the jars,
	// and the files and archives.
	JarsDir  = Dir + "/jars"
	FilesDir = Dir + "/files"
	// SecretsDir is where the init container finds what the pod's
	// stagehand.io/dependencies-ca-configmap and dependencies-auth-secret
	// name, when they are set: CAFileName and TokenFileName. Nothing else
	// mounts it.
	SecretsDir    = "/etc/stagehand/deps"
	CAFileName    = "ca.crt"
	TokenFileName = "token"
)

// The agent's subcommands the webhook runs: CommandInit [flags] in its init
// container, and CommandRun [flags] -- COMMAND... in each wrapped container.
// Webhooks before CommandInit ran CommandInstall DIR and CommandFetch in two
// init containers; the agent keeps them for those pods and for use by hand.
const (
	CommandRun     = "run"
	CommandInit    = "init"
	CommandFetch   = "fetch"
	CommandInstall = "install"
)

// The flags of CommandRun the webhook writes into wrapped commands, without
// their dashes: FlagTimeout DURATION stops the task after that long,
// FlagGrace DURATION is the time between TERM and KILL, FlagManifest PATH
// names the fetch manifest that must exist before the task starts. The task's
// command follows "--".
const (
	FlagTimeout  = "timeout"
	FlagGrace    = "grace"
	FlagManifest = "manifest"
)
