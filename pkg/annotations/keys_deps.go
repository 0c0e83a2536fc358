package annotations

import "time"

// Jars is a comma-separated list of jar URIs to fetch before the task starts
// and put on the classpath.
const Jars = Prefix + "jars"

// Files is a comma-separated list of file URIs to fetch into the files dir.
const Files = Prefix + "files"

// Archives is a comma-separated list of .tar.gz, .tgz or .zip URIs to fetch
// and unpack into the files dir, each under its base name.
const Archives = Prefix + "archives"

// JarsDir is where jars are fetched to.
const JarsDir = Prefix + "jars-dir"

// FilesDir is where files and archives are fetched to.
const FilesDir = Prefix + "files-dir"

// DepsSizeLimit is the sizeLimit of each dependency emptyDir.
const DepsSizeLimit = Prefix + "deps-size-limit"

// FetchTimeout bounds the whole dependency fetch.
const FetchTimeout = Prefix + "fetch-timeout"

// FetchParallelism is how many dependencies are fetched at once.
const FetchParallelism = Prefix + "fetch-parallelism"

// DependenciesCAConfigMap names a ConfigMap whose key ca.crt holds a PEM
// bundle to trust when fetching.
const DependenciesCAConfigMap = Prefix + "dependencies-ca-configmap"

// DependenciesAuthSecret names a Secret whose key token is sent as a bearer
// token when fetching.
const DependenciesAuthSecret = Prefix + "dependencies-auth-secret"

// Agent set to "true" wraps each target container's command with the
// stagehand agent, which supervises the task.
const Agent = Prefix + "agent"

// TaskTimeout bounds the task's run time under the agent.
const TaskTimeout = Prefix + "task-timeout"

// Dependency defaults.
const (
	DefaultJarsDir          = "/var/spark-data/spark-jars"
	DefaultFilesDir         = "/var/spark-data/spark-files"
	DefaultDepsSizeLimit    = "2Gi"
	DefaultFetchTimeout     = 5 * time.Minute
	DefaultFetchParallelism = 5
	MaxFetchParallelism     = 64
	MaxFetchTimeout         = 2 * time.Hour
	// DependenciesCAKey is the ConfigMap key of the CA bundle.
	DependenciesCAKey = "ca.crt"
	// DependenciesAuthKey is the Secret key of the bearer token.
	DependenciesAuthKey = "token"
)
