// Package installation reads, from a cluster, what shapes injection there,
// the way `webhook serve` in the cluster sees it: the settings of the
// webhook Deployment's container (its environment, its `serve` flags, the
// entrypoint map it reads from a mounted ConfigMap), validated by package
// config's parsers (config.LoadInjectionFrom); the MutatingWebhookConfiguration
// stagehand, which decides which pods reach the webhook; and the
// InjectionProfiles of a namespace. When stagehand is not installed, or no
// cluster is reachable, Shipped gives what manifests/ ships instead.
//
// It only reads: Deployments, ConfigMaps, MutatingWebhookConfigurations and
// InjectionProfiles, never a Secret. A setting the webhook would take from a
// Secret is left unread, and said so in Settings.Notes.
package installation
