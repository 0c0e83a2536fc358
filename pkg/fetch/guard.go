package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/egress"
	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// maxRedirects is how many redirects one request follows, as net/http
// does by default.
const maxRedirects = 10

// network is how the fetch reaches servers: name resolution and connect.
// The guard calls nothing else, so a test that replaces both can never
// send a packet anywhere it does not mean to, even when the guard is
// broken.
type network struct {
	// lookup resolves host for network "ip", "ip4" or "ip6".
	lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)
	// dial connects to address, an IP address and a port.
	dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// systemNetwork is the network of a real run: the system's resolver, and
// a dialer that checks each address once more just before connect.
func systemNetwork(job agentapi.Job, policy egress.Policy) network {
	dialer := &net.Dialer{
		Timeout:   time.Duration(job.ConnectTimeout),
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			return checkDialAddress(policy, address)
		},
	}
	return network{lookup: net.DefaultResolver.LookupNetIP, dial: dialer.DialContext}
}

// checkDialAddress is the dialer's last check, on the address it is about
// to connect to.
func checkDialAddress(policy egress.Policy, address string) error {
	addrPort, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("connect to %q: not an IP address and port", address)
	}
	return policy.CheckAddr("", addrPort.Addr())
}

// dialGuard is the DialContext of every connection of the fetch: it
// resolves the host itself, refuses it when any of its addresses is one
// the policy refuses, and connects to the checked addresses only, so that
// a name cannot be resolved again to another address (DNS rebinding).
type dialGuard struct {
	policy         egress.Policy
	net            network
	connectTimeout time.Duration
}

// DialContext connects to address, a host and a port.
func (g *dialGuard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: port %q: %w", host, portText, err)
	}
	addrs, err := g.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	for _, addr := range addrs {
		if err := g.policy.CheckAddr(host, addr); err != nil {
			return nil, err
		}
	}
	// Each address in the resolver's order, all within one connect
	// timeout: each but the last gets an equal share of what is left.
	ctx, cancel := context.WithTimeout(ctx, g.connectTimeout)
	defer cancel()
	var errs []error
	for i, addr := range addrs {
		attempt, cancelAttempt := ctx, context.CancelFunc(func() {})
		if left := len(addrs) - i; left > 1 {
			deadline, _ := ctx.Deadline()
			attempt, cancelAttempt = context.WithTimeout(ctx, time.Until(deadline)/time.Duration(left))
		}
		conn, err := g.net.dial(attempt, network, netip.AddrPortFrom(addr.Unmap(), uint16(port)).String())
		cancelAttempt()
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// resolve returns host's addresses: itself when it is a literal.
func (g *dialGuard) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if addr, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{addr}, nil
	}
	ipNetwork := "ip"
	switch network {
	case "tcp4":
		ipNetwork = "ip4"
	case "tcp6":
		ipNetwork = "ip6"
	}
	addrs, err := g.net.lookup(ctx, ipNetwork, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return addrs, nil
}

// redirectError is the error of a redirect the fetch does not follow.
type redirectError struct {
	// target is the redirect's URL, redacted.
	target string
	err    error
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("redirect to %s refused: %v", e.target, e.err)
}

func (e *redirectError) Unwrap() error { return e.err }

// errDowngrade refuses a redirect from https:// to http://.
var errDowngrade = errors.New("an https:// download may not be redirected to http://")

// checkRedirect is the http.Client's CheckRedirect: a redirect must name
// a host the policy allows, keep https:// once there, and come after at
// most maxRedirects others.
func checkRedirect(policy egress.Policy) func(*http.Request, []*http.Request) error {
	return func(request *http.Request, via []*http.Request) error {
		fail := func(err error) error {
			return &redirectError{target: redaction.URL(request.URL.String()), err: err}
		}
		if len(via) >= maxRedirects {
			return fail(fmt.Errorf("more than %d redirects", maxRedirects))
		}
		if request.URL.Scheme != "https" {
			for _, earlier := range via {
				if earlier.URL.Scheme == "https" {
					return fail(errDowngrade)
				}
			}
		}
		if err := policy.CheckHost(request.URL.Hostname()); err != nil {
			return fail(err)
		}
		return nil
	}
}

// refused reports whether err is a refusal of the egress policy: a
// redirect or an address. Retrying it cannot help.
func refused(err error) bool {
	var redirect *redirectError
	var refusal *egress.Refusal
	return errors.As(err, &redirect) || errors.As(err, &refusal)
}
