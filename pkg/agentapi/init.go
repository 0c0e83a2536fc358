package agentapi

// InitContainer is the name of stagehand's one init container, which runs
// CommandInit. The agent reports under it to the Timeline Server when
// EnvContainerName is unset.
const InitContainer = "stagehand-init"

// FlagInstall is the flag of CommandInit that installs the agent into
// BinDir, before any fetch. Every other flag of CommandInit is one of
// CommandFetch's, and the fetch runs when one is given: the webhook writes
// the dependencies (--jar, --file, --archive, each as often as needed) and
// only the settings that differ from what the agent derives:
//
//   - the directories, JarsDir and FilesDir;
//   - the manifest, in JarsDir;
//   - the CA bundle and bearer token, SecretsDir's CAFileName and
//     TokenFileName when they exist;
//   - the byte limits: --max-total-bytes defaults to DefaultDepsBytes, and
//     --max-file-bytes to --max-total-bytes (stagehand.io/deps-size-limit
//     bounds both).
const FlagInstall = "install"

// DefaultDepsBytes bounds the dependencies of a pod that does not set
// stagehand.io/deps-size-limit (2Gi, its default).
const DefaultDepsBytes = int64(2 << 30)
