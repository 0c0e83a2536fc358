// Package config loads and validates the configuration of the stagehand
// webhook, in one place, at startup.
//
// Every setting is read from an environment variable with the prefix
// STAGEHAND_ (through envconfig) and can be overridden by a command-line
// flag; a flag's default is the environment's value, or the built-in default
// when the variable is unset. Load reports every invalid setting at once,
// each naming the setting, the value, where the value came from and what is
// valid.
//
//	Variable                             Flag                         Default
//	STAGEHAND_WEBHOOK_PORT               --webhook-port               9443
//	STAGEHAND_CERT_DIR                   --cert-dir                   /etc/stagehand/certs
//	STAGEHAND_HEALTH_ADDR                --health-addr                :8081
//	STAGEHAND_METRICS_ADDR               --metrics-addr               :8080 ("0" disables)
//	STAGEHAND_SHUTDOWN_DELAY             --shutdown-delay             5s
//	STAGEHAND_STRICT                     --strict                     false
//	STAGEHAND_CACHE_SIZE                 --cache-size                 1024 (0 turns the cache off)
//	STAGEHAND_LOG_LEVEL                  --log-level                  info (info, debug, trace)
//	STAGEHAND_LOG_FORMAT                 --log-format                 json (json, text)
//	STAGEHAND_AGENT_IMAGE                --agent-image                ghcr.io/stagehand-k8s/agent:<version>
//	STAGEHAND_ALLOWED_DEPENDENCY_HOSTS   --allowed-dependency-hosts   "" (any host but link-local)
//	STAGEHAND_ENTRYPOINTS                --entrypoints                "" (no entrypoint map)
//
// Strict, the agent image, the allowed hosts and the entrypoints shape
// injection; `webhook inject` reads only those (LoadInjection), so offline
// injection matches the server's, and `kubectl stagehand` reads them from
// the webhook's Deployment in a cluster (LoadInjectionFrom: its container's
// environment, arguments and mounted files, not this process's).
package config
