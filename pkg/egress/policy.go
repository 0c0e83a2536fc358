package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"strings"
)

// Syntax says what an allowlist written as one value accepts, for error
// messages.
const Syntax = "comma-separated host globs in path.Match syntax, such as *.example.com,repo1.maven.org, with no scheme, port or path"

// ErrSyntax is the error of an allowlist that does not follow [Syntax].
var ErrSyntax = errors.New("invalid host glob")

// ParseHosts parses a comma-separated allowlist into lowercase globs,
// dropping blanks. An empty value is an empty allowlist.
func ParseHosts(raw string) ([]string, error) {
	var globs []string
	for _, glob := range strings.Split(raw, ",") {
		if glob = strings.TrimSpace(glob); glob == "" {
			continue
		}
		if err := checkGlob(glob); err != nil {
			return nil, err
		}
		globs = append(globs, strings.ToLower(glob))
	}
	return globs, nil
}

// CheckHosts checks that every glob of an allowlist follows [Syntax].
func CheckHosts(globs []string) error {
	for _, glob := range globs {
		if err := checkGlob(glob); err != nil {
			return err
		}
	}
	return nil
}

func checkGlob(glob string) error {
	if _, err := path.Match(glob, ""); err != nil || glob == "" || strings.ContainsAny(glob, "/:@, ") {
		return fmt.Errorf("%w %q (valid: %s)", ErrSyntax, glob, Syntax)
	}
	return nil
}

// Policy is where the dependency fetch may connect.
type Policy struct {
	// AllowedHosts are lowercase host globs (path.Match syntax); empty
	// allows every host that is not banned.
	AllowedHosts []string
}

// Refusal is the error of a host or an address the policy refuses.
type Refusal struct {
	// Host is the host as given, empty for an address alone; Addr, when
	// valid, is the address refused.
	Host string
	Addr netip.Addr
	// Reason says why, in words.
	Reason string
	// resolved is true when Host is a name that resolved to Addr;
	// notAllowed when the allowlist does not match Host.
	resolved, notAllowed bool
}

func (r *Refusal) Error() string {
	const never = ", which dependencies may never be fetched from"
	switch {
	case r.notAllowed:
		return fmt.Sprintf("host %q is not allowed (valid: %s)", r.Host, r.Reason)
	case r.resolved:
		return fmt.Sprintf("host %s resolves to %s, %s%s", r.Host, r.Addr, r.Reason, never)
	case r.Host == "":
		return fmt.Sprintf("address %s is %s%s", r.Addr, r.Reason, never)
	}
	return fmt.Sprintf("host %s is %s%s", r.Host, r.Reason, never)
}

// Allows reports whether the allowlist allows host: it is empty, or a glob
// matches the host's lowercase name without a trailing dot.
func (p Policy) Allows(host string) bool {
	if len(p.AllowedHosts) == 0 {
		return true
	}
	host = normalize(host)
	for _, glob := range p.AllowedHosts {
		if ok, _ := path.Match(glob, host); ok {
			return true
		}
	}
	return false
}

// CheckHost returns a *Refusal when a URI or a redirect may not name host:
// a banned name or address literal, or a host the allowlist does not
// match. Loopback literals are subject to the allowlist only.
func (p Policy) CheckHost(host string) error {
	name := normalize(host)
	if reason, ok := metadataNames[name]; ok {
		return &Refusal{Host: host, Reason: reason}
	}
	if addr, err := parseIP(name); err == nil {
		if reason, _ := classify(addr); reason != "" {
			return &Refusal{Host: host, Addr: addr, Reason: reason}
		}
	}
	if !p.Allows(name) {
		return &Refusal{Host: host, Reason: "hosts matching " + strings.Join(p.AllowedHosts, ", ") + ", set by the cluster admin", notAllowed: true}
	}
	return nil
}

// CheckAddr returns a *Refusal when a connection may not reach addr,
// resolved from host (empty, or the address itself, for a literal): a
// banned address, or loopback when the allowlist allows neither
// "localhost" nor the address.
func (p Policy) CheckAddr(host string, addr netip.Addr) error {
	refusal := &Refusal{Host: host, Addr: addr, resolved: host != "" && normalize(host) != addr.String()}
	reason, loopback := classify(addr)
	switch {
	case reason != "":
		refusal.Reason = reason
	case loopback && !p.Allows("localhost") && !p.Allows(addr.Unmap().WithZone("").String()):
		refusal.Reason = "a loopback address the allowlist (" + strings.Join(p.AllowedHosts, ", ") + ") does not allow"
	default:
		return nil
	}
	return refusal
}

// normalize is the form of a host name that is matched: lowercase, without
// a trailing dot.
func normalize(host string) string {
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// parseIP parses host as an IP address. Host names, which cannot end in a
// digit and hold no colon, are rejected without building an error: most
// hosts are names.
func parseIP(host string) (netip.Addr, error) {
	if host == "" || !strings.ContainsRune(host, ':') && (host[len(host)-1] < '0' || host[len(host)-1] > '9') {
		return netip.Addr{}, errNotIP
	}
	return netip.ParseAddr(host)
}

var errNotIP = errors.New("not an IP address")

// metadataNames are the host names of cloud metadata services, with why
// they are refused. The package documentation lists them.
var metadataNames = map[string]string{
	"metadata.google.internal":     "the name of Google Cloud's metadata server",
	"metadata.goog":                "the name of Google Cloud's metadata server",
	"metadata":                     "the short name of Google Cloud's metadata server",
	"instance-data":                "the name of AWS EC2's instance metadata service",
	"instance-data.ec2.internal":   "the name of AWS EC2's instance metadata service",
	"metadata.azure.com":           "a name of Azure's instance metadata service",
	"metadata.tencentyun.com":      "the name of Tencent Cloud's metadata service",
	"api.metadata.cloud.ibm.com":   "the name of IBM Cloud's metadata service",
	"metadata.platformequinix.com": "the name of Equinix Metal's metadata service",
	"metadata.packet.net":          "the name of Equinix Metal's metadata service",
}
