package annotations

import (
	"fmt"
	"net/url"
	"path"

	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// Key describes one annotation key of the contract.
type Key struct {
	// Name is the full annotation key, for example stagehand.io/token-path.
	Name string
	// Description says what the key does.
	Description string
	// Default is the value that applies when the key is absent, in words.
	Default string
	// Valid says which values are accepted, in words. Error messages use it.
	Valid string
	// Validate returns nothing for a valid value, or the reasons it is not.
	// Cross-key rules live in Parse.
	Validate func(value string) []string
	// Written is true for keys that the webhook writes and users must not set.
	Written bool
	// WithOthers is true for keys that Parse validates together with the
	// keys they depend on (dependency URIs, with their directories), once,
	// instead of on their own.
	WithOthers bool
}

// GeneralKeys are the registry entries of the keys that belong to no one
// injection, in documentation order: they come first.
var GeneralKeys = []Key{
	{Name: Inject, Description: `Set to "false" to opt this Pod out of injection in an opted-in namespace.`,
		Default: `"true"`, Valid: `"true" or "false"`, Validate: ValidateBool},
	{Name: Containers, Description: "Comma-separated names of the app containers that receive injections.",
		Default: "every app container", Valid: "a comma-separated list of names of the pod's app containers", Validate: validateNameList},
}

// WrittenKeys are written by the webhook; they come last.
var WrittenKeys = []Key{
	{Name: Status, Description: "Written by the webhook: JSON with the stagehand version, the injected parts and what stagehand owns in the pod that the pod does not show (its target containers and the env vars it set there; every volume, mount and init container too when the pod mounts one of stagehand's volumes itself). Do not set it.",
		Default: "none", Valid: "written by the webhook", Validate: func(string) []string { return nil }, Written: true},
}

// ValidPath says which mount paths ValidateMountPath accepts.
const ValidPath = "an absolute, clean path with no '..', not '/' and not under /proc, /sys or /dev"

// ValidateBool accepts "true" and "false".
func ValidateBool(v string) []string {
	if v == "true" || v == "false" {
		return nil
	}
	return []string{"not a boolean"}
}

func validateNameList(v string) []string {
	var msgs []string
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			msgs = append(msgs, "contains an empty name")
			continue
		}
		for _, m := range validation.IsDNS1123Label(name) {
			msgs = append(msgs, fmt.Sprintf("container name %q: %s", redaction.URL(name), m))
		}
	}
	return msgs
}

// IntValidator accepts integers from lo to hi.
func IntValidator(lo, hi int64) func(string) []string {
	return func(v string) []string {
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil:
			return []string{"not an integer"}
		case n < lo || n > hi:
			return []string{"out of range"}
		}
		return nil
	}
}

// forbiddenMountRoots are host-kernel filesystems that no injected volume may
// shadow.
var forbiddenMountRoots = []string{"/proc", "/sys", "/dev"}

// ValidateMountPath accepts the paths stagehand may mount a volume at.
func ValidateMountPath(v string) []string {
	switch {
	case !path.IsAbs(v):
		return []string{"not an absolute path"}
	case path.Clean(v) != v || strings.Contains(v, ".."):
		return []string{"not a clean path: it has '..', '.', '//' or a trailing '/'"}
	case v == "/":
		return []string{"is the root directory"}
	}
	for _, root := range forbiddenMountRoots {
		if PathWithin(v, root) {
			return []string{"is under " + root}
		}
	}
	return nil
}

// PathWithin reports whether p equals dir or lies below it.
func PathWithin(p, dir string) bool {
	dir = strings.TrimSuffix(dir, "/")
	return p == dir || (strings.HasPrefix(p, dir) && len(p) > len(dir) && p[len(dir)] == '/')
}

// ValidateObjectName accepts the names of Secrets and ConfigMaps.
func ValidateObjectName(v string) []string { return validation.IsDNS1123Subdomain(v) }

// ValidateDataKey accepts the keys of a Secret or ConfigMap.
func ValidateDataKey(v string) []string { return validation.IsConfigMapKey(v) }

// ValidateHTTPURL accepts absolute http and https URLs without credentials.
func ValidateHTTPURL(v string) []string {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return []string{"not a URL"}
	case len(v) < len(u.Scheme)+3 || !strings.EqualFold(v[:len(u.Scheme)+3], u.Scheme+"://"):
		// "user:password@host": the "scheme" is a user name.
		return []string{"has no http:// or https:// scheme"}
	case u.Scheme != "http" && u.Scheme != "https":
		return []string{fmt.Sprintf("scheme %q is not http or https", u.Scheme)}
	case u.Host == "":
		return []string{"has no host"}
	case u.User != nil:
		return []string{"carries credentials; the Timeline Server key is injected separately"}
	}
	return nil
}
