package config

import (
	"slices"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/version"
)

// Prefix starts the name of every environment variable of the webhook.
const Prefix = "STAGEHAND"

// MetricsDisabled as the metrics address disables the metrics server.
const MetricsDisabled = "0"

// LogLevel is how much the webhook logs.
type LogLevel string

// The log levels, from least to most verbose.
const (
	LogInfo  LogLevel = "info"
	LogDebug LogLevel = "debug"
	LogTrace LogLevel = "trace"
)

// LogFormat is how the webhook's log lines are encoded.
type LogFormat string

// The log formats.
const (
	// LogJSON writes one JSON object per line.
	LogJSON LogFormat = "json"
	// LogText writes human-readable lines.
	LogText LogFormat = "text"
)

// Webhook is the validated configuration of the webhook server.
type Webhook struct {
	// Port is the port of the HTTPS admission server, 1 to 65535.
	Port int
	// CertDir holds tls.crt and tls.key; they are reloaded when they change.
	CertDir string
	// HealthAddr is the host:port of the server of /healthz and /readyz.
	HealthAddr string
	// MetricsAddr is the host:port of the Prometheus /metrics server, or
	// MetricsDisabled.
	MetricsAddr string
	// ShutdownDelay is how long the webhook keeps serving, with readiness
	// failing, after it is told to stop.
	ShutdownDelay time.Duration
	// Strict denies pods with unknown stagehand.io/ annotation keys.
	Strict bool
	// CacheSize is how many injected pods the webhook remembers by what
	// injection reads of them; 0 turns the cache off.
	CacheSize int
	// LogLevel is how much to log.
	LogLevel LogLevel
	// LogFormat is how to encode log lines.
	LogFormat LogFormat
	// AgentImage is the image of the agent init containers. Pods cannot
	// choose it.
	AgentImage string
	// AllowedDependencyHosts, when not empty, are the host globs that
	// dependencies may be fetched from.
	AllowedDependencyHosts []string
	// EntrypointsFile is the YAML file Entrypoints was read from.
	EntrypointsFile string
	// Entrypoints maps images to their entrypoints, for containers the agent
	// wraps that have no command.
	Entrypoints inject.Entrypoints
	// Profiles makes the webhook watch InjectionProfiles and apply them to
	// the pods they select. Off, it makes no API call at all.
	Profiles bool
	// Kubeconfig is the kubeconfig file to reach the API server with, for
	// profiles; empty uses $KUBECONFIG, then the in-cluster configuration.
	Kubeconfig string
	// Given are the environment variables of the settings given by the
	// environment or a flag rather than by default.
	Given []string
}

// IsGiven reports whether the setting of the environment variable env was
// given by the environment or a flag.
func (w Webhook) IsGiven(env string) bool { return slices.Contains(w.Given, env) }

// DefaultAgentImage is the agent image of this release.
func DefaultAgentImage() string { return "ghcr.io/stagehand-k8s/agent:" + version.Version }

// InjectOptions are the injector options the configuration asks for.
func (w Webhook) InjectOptions() inject.Options {
	return inject.Options{
		Strict: w.Strict, Version: version.Version, AgentImage: w.AgentImage,
		AllowedDependencyHosts: w.AllowedDependencyHosts, Entrypoints: w.Entrypoints,
	}
}

// MetricsEnabled reports whether the metrics server runs.
func (w Webhook) MetricsEnabled() bool { return w.MetricsAddr != MetricsDisabled }

// env is every setting as read by envconfig, unparsed, so that each invalid
// value is reported by Load rather than only the first one. Names come from
// split_words, not envconfig tags: a tag makes envconfig fall back to the
// unprefixed name (LOG_LEVEL, STRICT), which would pick up variables meant
// for other programs.
type env struct {
	WebhookPort   string `split_words:"true" default:"9443"`
	CertDir       string `split_words:"true" default:"/etc/stagehand/certs"`
	HealthAddr    string `split_words:"true" default:":8081"`
	MetricsAddr   string `split_words:"true" default:":8080"`
	ShutdownDelay string `split_words:"true" default:"5s"`
	Strict        string `split_words:"true" default:"false"`
	CacheSize     string `split_words:"true" default:"1024"`
	LogLevel      string `split_words:"true" default:"info"`
	LogFormat     string `split_words:"true" default:"json"`
	AgentImage    string `split_words:"true"`
	// AllowedDependencyHosts and Entrypoints shape injection, like Strict
	// and AgentImage; `webhook inject` reads only these.
	AllowedDependencyHosts string `split_words:"true"`
	Entrypoints            string `split_words:"true"`
	Profiles               string `split_words:"true" default:"true"`
	Kubeconfig             string `split_words:"true"`
}

// setting ties one environment variable to its flag, its raw value and the
// parser that stores it into a Webhook.
type setting struct {
	env  string // full variable name
	flag string // flag name, without dashes
	bool bool   // the flag may be given without a value
	// injection marks the settings that shape injection, which `webhook
	// inject` reads too.
	injection bool
	usage     string
	raw       *string
	parse     func(raw string, w *Webhook) error
}

// settings lists every setting in the order Load reports them; the files
// they name are read with readFile.
func settings(e *env, readFile func(string) ([]byte, error)) []setting {
	return []setting{
		{env: Prefix + "_WEBHOOK_PORT", flag: "webhook-port", raw: &e.WebhookPort,
			usage: "port of the HTTPS admission server", parse: parseWebhookPort},
		{env: Prefix + "_CERT_DIR", flag: "cert-dir", raw: &e.CertDir,
			usage: "directory holding tls.crt and tls.key, reloaded on change", parse: parseCertDir},
		{env: Prefix + "_HEALTH_ADDR", flag: "health-addr", raw: &e.HealthAddr,
			usage: "host:port serving /healthz and /readyz", parse: parseHealthAddr},
		{env: Prefix + "_METRICS_ADDR", flag: "metrics-addr", raw: &e.MetricsAddr,
			usage: "host:port serving /metrics, or 0 to disable", parse: parseMetricsAddr},
		{env: Prefix + "_SHUTDOWN_DELAY", flag: "shutdown-delay", raw: &e.ShutdownDelay,
			usage: "how long to keep serving, not ready, after SIGTERM", parse: parseShutdownDelay},
		{env: Prefix + "_STRICT", flag: "strict", bool: true, injection: true, raw: &e.Strict,
			usage: "deny pods with unknown stagehand.io/ annotation keys", parse: parseStrict},
		{env: Prefix + "_CACHE_SIZE", flag: "cache-size", raw: &e.CacheSize,
			usage: "how many injected pods to remember by what injection reads of them; 0 turns the cache off", parse: parseCacheSize},
		{env: Prefix + "_LOG_LEVEL", flag: "log-level", raw: &e.LogLevel,
			usage: "log level: info, debug or trace", parse: parseLogLevel},
		{env: Prefix + "_LOG_FORMAT", flag: "log-format", raw: &e.LogFormat,
			usage: "log format: json or text", parse: parseLogFormat},
		{env: Prefix + "_AGENT_IMAGE", flag: "agent-image", injection: true, raw: &e.AgentImage,
			usage: "image of the agent init containers (default " + DefaultAgentImage() + ")", parse: parseAgentImage},
		{env: Prefix + "_ALLOWED_DEPENDENCY_HOSTS", flag: "allowed-dependency-hosts", injection: true, raw: &e.AllowedDependencyHosts,
			usage: "comma-separated host globs dependencies may be fetched from; empty allows any host", parse: parseAllowedHosts},
		{env: Prefix + "_ENTRYPOINTS", flag: "entrypoints", injection: true, raw: &e.Entrypoints,
			usage: "YAML file mapping image references or patterns to their entrypoints", parse: parseEntrypoints(readFile)},
		{env: Prefix + "_PROFILES", flag: "profiles", bool: true, raw: &e.Profiles,
			usage: "watch InjectionProfiles and apply them; false makes no API call at all", parse: parseProfiles},
		{env: Prefix + "_KUBECONFIG", flag: "kubeconfig", raw: &e.Kubeconfig,
			usage: "kubeconfig file for watching profiles; empty uses $KUBECONFIG, then the in-cluster configuration", parse: parseKubeconfig},
	}
}
