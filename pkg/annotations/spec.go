package annotations

import "time"

// Spec is the parsed, validated form of a Pod's stagehand annotations. A nil
// part was not requested.
type Spec struct {
	// Disabled is true when the pod opted out with stagehand.io/inject: "false".
	Disabled bool `json:"disabled,omitempty"`
	// Containers are the target app containers, in pod order.
	Containers []string `json:"containers,omitempty"`
	// Token is the projected ServiceAccount token request.
	Token *TokenSpec `json:"token,omitempty"`
	// ATSKey is where ATS_SECRET_KEY comes from.
	ATSKey *KeyRef `json:"atsKey,omitempty"`
	// Keytab is the Kerberos keytab Secret mount.
	Keytab *KeytabSpec `json:"keytab,omitempty"`
	// TimelineURL is the Timeline Server URL; empty when unset.
	TimelineURL string `json:"timelineURL,omitempty"`
	// Deps are the dependencies to fetch.
	Deps *DepsSpec `json:"deps,omitempty"`
	// Agent is the agent wrapping request.
	Agent *AgentSpec `json:"agent,omitempty"`
}

// Empty reports whether the spec asks for no injection at all.
func (s *Spec) Empty() bool {
	return s.Disabled || (s.Token == nil && s.ATSKey == nil && s.Keytab == nil && s.TimelineURL == "" && s.Deps == nil && s.Agent == nil)
}

// TokenSpec describes the projected ServiceAccount token volume.
type TokenSpec struct {
	// Audience is empty for the API server's default audience.
	Audience          string `json:"audience,omitempty"`
	ExpirationSeconds int64  `json:"expirationSeconds"`
	Path              string `json:"path"`
}

// SourceKind tells whether a key reference points into a Secret or a ConfigMap.
type SourceKind string

// The kinds of object a KeyRef can point into.
const (
	SourceSecret    SourceKind = "Secret"
	SourceConfigMap SourceKind = "ConfigMap"
)

// KeyRef points at one key of a Secret or ConfigMap in the pod's namespace.
type KeyRef struct {
	Kind SourceKind `json:"kind"`
	Name string     `json:"name"`
	Key  string     `json:"key"`
}

// KeytabSpec describes the keytab Secret mount.
type KeytabSpec struct {
	SecretName string `json:"secretName"`
	Path       string `json:"path"`
}

// DepsSpec describes the dependencies to fetch before the task starts.
type DepsSpec struct {
	// Jars, Files and Archives are the URIs as given, credentials included:
	// they travel to the fetch container only.
	Jars     []string `json:"jars,omitempty"`
	Files    []string `json:"files,omitempty"`
	Archives []string `json:"archives,omitempty"`
	JarsDir  string   `json:"jarsDir"`
	FilesDir string   `json:"filesDir"`
	// SizeLimit is the canonical quantity of each emptyDir's sizeLimit.
	SizeLimit    string        `json:"sizeLimit"`
	FetchTimeout time.Duration `json:"fetchTimeout"`
	Parallelism  int           `json:"parallelism"`
	CAConfigMap  string        `json:"caConfigMap,omitempty"`
	AuthSecret   string        `json:"authSecret,omitempty"`
	// Classpath lists the jars' final paths, local:// jars included.
	Classpath []string `json:"classpath,omitempty"`
}

// AgentSpec describes the agent wrapping of the target containers.
type AgentSpec struct {
	// TaskTimeout is zero for no limit.
	TaskTimeout time.Duration `json:"taskTimeout,omitempty"`
}
