package annotations

// Prefix is the prefix of every stagehand annotation key.
const Prefix = "stagehand.io/"

// NamespaceLabel is the namespace label that opts a namespace in, with the
// value NamespaceLabelEnabled. The webhook configuration selects on it.
const NamespaceLabel = Prefix + "inject"

// NamespaceLabelEnabled is the value of NamespaceLabel that opts a namespace in.
const NamespaceLabelEnabled = "enabled"

// Inject set to "false" opts a single Pod out of injection.
const Inject = Prefix + "inject"

// Containers is a comma-separated list of app container names that receive
// injections. The default is every app container.
const Containers = Prefix + "containers"

// ServiceAccountToken set to "true" injects a projected volume holding a
// ServiceAccount token, the cluster CA and the namespace.
const ServiceAccountToken = Prefix + "service-account-token"

// TokenAudience sets the audience of the projected token.
const TokenAudience = Prefix + "token-audience"

// TokenExpiration sets expirationSeconds of the projected token.
const TokenExpiration = Prefix + "token-expiration"

// TokenPath sets the mount path of the projected token volume.
const TokenPath = Prefix + "token-path"

// ATSSecret names a Secret holding the Timeline Server secret key.
const ATSSecret = Prefix + "ats-secret"

// ATSConfigMap names a ConfigMap holding the Timeline Server secret key.
const ATSConfigMap = Prefix + "ats-configmap"

// ATSSecretKey names the key inside the Secret or ConfigMap.
const ATSSecretKey = Prefix + "ats-secret-key"

// ATSKeytabSecret names a Secret of Kerberos keytabs for the Timeline Server.
const ATSKeytabSecret = Prefix + "ats-keytab-secret"

// ATSKeytabPath sets where the keytab Secret is mounted.
const ATSKeytabPath = Prefix + "ats-keytab-path"

// TimelineURL sets the Timeline Server URL given to the task.
const TimelineURL = Prefix + "timeline-url"

// Status is written by the webhook: JSON with the stagehand version, the
// injected parts and a hash of the parsed spec.
const Status = Prefix + "status"

// Defaults that more than one package needs.
const (
	// DefaultTokenExpiration is the default expirationSeconds of the token.
	DefaultTokenExpiration int64 = 3600
	// MinTokenExpiration and MaxTokenExpiration bound TokenExpiration.
	MinTokenExpiration int64 = 600
	MaxTokenExpiration int64 = 86400
	// KubeletTokenPath is where the kubelet mounts the ServiceAccount token,
	// and where MR3Client and Spark read it.
	KubeletTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	// StagehandTokenPath is the token path when the kubelet mounts its own.
	StagehandTokenPath = "/var/run/secrets/stagehand.io/serviceaccount"
	// DefaultATSSecretKey is the default key holding the ATS secret.
	DefaultATSSecretKey = "ats-secret-key"
	// DefaultATSKeytabPath is where MR3 reads the Timeline Server keytabs.
	DefaultATSKeytabPath = "/opt/mr3-run/ats/key"
)
