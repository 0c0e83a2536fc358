package agentapi

// Where the agent lives in a pod. The webhook mounts these paths and writes
// them into commands and environment variables; the agent is found and
// writes there. Pods admitted earlier keep them: they do not change.
const (
	// ImageBinary is the agent's path inside the agent image, which the
	// webhook's init containers run.
	ImageBinary = "/agent"
	// BinDir is where the install init container copies the agent, in an
	// emptyDir mounted read-only into every wrapped container.
	BinDir = "/stagehand/bin"
	// Binary is the agent's path inside every wrapped container.
	Binary = BinDir + "/agent"
	// SpoolDir is where the agent and the fetcher spool Timeline Server
	// events, in an emptyDir that outlives container restarts; the webhook
	// also passes it in EnvSpoolDir.
	SpoolDir = "/stagehand/spool"
)

// The agent's subcommands the webhook runs: CommandInstall DIR in the
// install init container, CommandFetch in the fetch init container, and
// CommandRun [flags] -- COMMAND... in each wrapped container.
const (
	CommandRun     = "run"
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
