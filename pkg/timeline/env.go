package timeline

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// Environment variables the agent reads besides those the webhook sets,
// which package agentapi names (agentapi.EnvTimelineURL and the pod's
// identity): the tuning ones, and the task's user.
const (
	EnvAuth             = "STAGEHAND_TIMELINE_AUTH"
	EnvFlushTimeout     = "STAGEHAND_TIMELINE_FLUSH_TIMEOUT"
	EnvProgressInterval = "STAGEHAND_TIMELINE_PROGRESS_INTERVAL"
	EnvHadoopUser       = "HADOOP_USER_NAME"
	EnvUser             = "USER"
)

// Defaults of the tuning variables.
const (
	DefaultFlushTimeout     = 5 * time.Second
	DefaultProgressInterval = time.Minute
	DefaultSimpleUser       = "stagehand"
)

// EnvConfig is what the environment says about reporting.
type EnvConfig struct {
	Config
	// FlushTimeout bounds the flush at exit.
	FlushTimeout time.Duration
}

// ConfigFromEnv reads the reporting configuration. ok is false when
// STAGEHAND_TIMELINE_URL is unset: nothing is reported. container is the
// container name used when STAGEHAND_CONTAINER_NAME is unset.
func ConfigFromEnv(getenv func(string) string, container string) (cfg EnvConfig, ok bool, err error) {
	cfg.URL = getenv(agentapi.EnvTimelineURL)
	if cfg.URL == "" {
		return cfg, false, nil
	}
	user := getenv(EnvHadoopUser)
	if user == "" {
		user = getenv(EnvUser)
	}
	cfg.Identity = Identity{
		Namespace: getenv(agentapi.EnvPodNamespace),
		Pod:       getenv(agentapi.EnvPodName),
		Container: orDefault(getenv(agentapi.EnvContainerName), container),
		Node:      getenv(agentapi.EnvNodeName),
		Image:     getenv(agentapi.EnvContainerImage),
		User:      user,
	}
	cfg.SpoolDir = getenv(agentapi.EnvSpoolDir)
	switch mode := AuthMode(getenv(EnvAuth)); mode {
	case "", AuthDelegation:
		cfg.Auth = Auth{Mode: AuthDelegation, Secret: getenv(agentapi.EnvATSSecretKey)}
	case AuthSimple:
		cfg.Auth = Auth{Mode: AuthSimple, User: orDefault(user, DefaultSimpleUser)}
	default:
		return cfg, true, fmt.Errorf("%s=%q: want %q or %q", EnvAuth, mode, AuthDelegation, AuthSimple)
	}
	if cfg.FlushTimeout, err = envDuration(getenv, EnvFlushTimeout, DefaultFlushTimeout); err != nil {
		return cfg, true, err
	}
	if cfg.ProgressInterval, err = envDuration(getenv, EnvProgressInterval, DefaultProgressInterval); err != nil {
		return cfg, true, err
	}
	return cfg, true, nil
}

func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: want a duration such as 5s: %w", name, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("%s=%q: must not be negative", name, v)
	}
	return d, nil
}

// StartFromEnv starts a Reporter configured by the environment for the
// agent's command line command, with progressEvent reported periodically.
// It returns nil when STAGEHAND_TIMELINE_URL is unset, or, after logging
// why, when reporting cannot start: reporting never stops the agent.
// flush is the STAGEHAND_TIMELINE_FLUSH_TIMEOUT to pass to Close.
func StartFromEnv(getenv func(string) string, container string, command []string, progressEvent string, log *slog.Logger) (r *Reporter, flush time.Duration) {
	cfg, ok, err := ConfigFromEnv(getenv, container)
	if !ok {
		return nil, 0
	}
	if err == nil {
		cfg.Command, cfg.ProgressEvent, cfg.Logger = command, progressEvent, log
		r, err = Start(cfg.Config)
	}
	if err != nil {
		log.Error("not reporting to the timeline server", "error", err)
		return nil, 0
	}
	return r, cfg.FlushTimeout
}
