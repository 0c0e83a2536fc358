package annotations

import (
	"fmt"
	"net/url"
	"path"
	"slices"
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

// Registry lists every key of the annotation contract, in documentation order.
var Registry = slices.Concat(coreKeys, dependencyKeys, statusKeys)

// coreKeys are the registry entries of credentials and the Timeline Server.
var coreKeys = []Key{
	{Name: Inject, Description: `Set to "false" to opt this Pod out of injection in an opted-in namespace.`,
		Default: `"true"`, Valid: `"true" or "false"`, Validate: validateBool},
	{Name: Containers, Description: "Comma-separated names of the app containers that receive injections.",
		Default: "every app container", Valid: "a comma-separated list of names of the pod's app containers", Validate: validateNameList},
	{Name: ServiceAccountToken, Description: "Injects a projected volume with a ServiceAccount token (`token`), the cluster CA (`ca.crt`, from the ConfigMap `kube-root-ca.crt`) and the namespace (`namespace`).",
		Default: `"false"`, Valid: `"true" or "false"`, Validate: validateBool},
	{Name: TokenAudience, Description: "Audience of the projected token.",
		Default: "the API server's default audience", Valid: "a non-empty string without whitespace", Validate: validateAudience},
	{Name: TokenExpiration, Description: "expirationSeconds of the projected token.",
		Default: strconv.FormatInt(DefaultTokenExpiration, 10), Valid: fmt.Sprintf("an integer number of seconds from %d to %d", MinTokenExpiration, MaxTokenExpiration), Validate: validateExpiration},
	{Name: TokenPath, Description: "Mount path of the projected token volume. MR3Client and Spark read the kubelet's path.",
		Default: fmt.Sprintf("`%s` when the pod sets `automountServiceAccountToken: false`, otherwise `%s`", KubeletTokenPath, StagehandTokenPath), Valid: validPath, Validate: validateMountPath},
	{Name: ATSSecret, Description: "Name of a Secret holding the Timeline Server secret key, injected as `ATS_SECRET_KEY` through a `secretKeyRef`.",
		Default: "none", Valid: "a DNS subdomain name", Validate: validateObjectName},
	{Name: ATSConfigMap, Description: "Name of a ConfigMap holding the Timeline Server secret key, injected as `ATS_SECRET_KEY` through a `configMapKeyRef`. MR3 keeps it in `client-am-config`.",
		Default: "none", Valid: "a DNS subdomain name", Validate: validateObjectName},
	{Name: ATSSecretKey, Description: "Key inside the Secret or ConfigMap that holds the Timeline Server secret key.",
		Default: "`" + DefaultATSSecretKey + "`", Valid: "a valid ConfigMap or Secret key: alphanumerics, '-', '_' or '.'", Validate: validateDataKey},
	{Name: ATSKeytabSecret, Description: "Name of a Secret of Kerberos keytabs, mounted read-only for the Timeline Server client.",
		Default: "none", Valid: "a DNS subdomain name", Validate: validateObjectName},
	{Name: ATSKeytabPath, Description: "Mount path of the keytab Secret.",
		Default: "`" + DefaultATSKeytabPath + "`", Valid: validPath, Validate: validateMountPath},
	{Name: TimelineURL, Description: "Timeline Server URL, given to the containers as `STAGEHAND_TIMELINE_URL`.",
		Default: "none", Valid: "an absolute http:// or https:// URL with a host and no credentials", Validate: validateHTTPURL},
}

// statusKeys are written by the webhook.
var statusKeys = []Key{
	{Name: Status, Description: "Written by the webhook: JSON with the stagehand version, the injected parts and a hash of the parsed annotations. Do not set it.",
		Default: "none", Valid: "written by the webhook", Validate: func(string) []string { return nil }, Written: true},
}

var registryIndex = func() map[string]*Key {
	index := make(map[string]*Key, len(Registry))
	for i := range Registry {
		index[Registry[i].Name] = &Registry[i]
	}
	return index
}()

const validPath = "an absolute, clean path with no '..', not '/' and not under /proc, /sys or /dev"

func validateBool(v string) []string {
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

func validateAudience(v string) []string {
	if v == "" || strings.ContainsAny(v, " \t\r\n") {
		return []string{"empty or contains whitespace"}
	}
	return nil
}

func validateExpiration(v string) []string {
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		return []string{"not an integer"}
	case n < MinTokenExpiration || n > MaxTokenExpiration:
		return []string{"out of range"}
	}
	return nil
}

// forbiddenMountRoots are host-kernel filesystems that no injected volume may
// shadow.
var forbiddenMountRoots = []string{"/proc", "/sys", "/dev"}

func validateMountPath(v string) []string {
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

func validateObjectName(v string) []string { return validation.IsDNS1123Subdomain(v) }

func validateDataKey(v string) []string { return validation.IsConfigMapKey(v) }

func validateHTTPURL(v string) []string {
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
