package annotations

// Prefix is the prefix of every stagehand annotation key.
const Prefix = "stagehand.io/"

// NamespaceLabel is the namespace label that opts a namespace in, with the
// value NamespaceLabelEnabled. The webhook configuration selects on it.
const NamespaceLabel = Prefix + "inject"

// NamespaceLabelEnabled is the value of NamespaceLabel that opts a namespace in.
const NamespaceLabelEnabled = "enabled"

// The keys that belong to no one injection. Each injection declares its own
// keys (package inject).
const (
	// Inject set to "false" opts a single Pod out of injection.
	Inject = Prefix + "inject"
	// Containers is a comma-separated list of app container names that
	// receive injections. The default is every app container.
	Containers = Prefix + "containers"
	// Status is written by the webhook: JSON with the stagehand version, the
	// injected parts and a hash of the parsed spec.
	Status = Prefix + "status"
)
