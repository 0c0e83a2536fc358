package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// stubNetwork replaces name resolution and connect in tests of the egress
// guard: names resolve from a table, and only loopback addresses are ever
// connected to. Every address asked for is recorded, so a test can tell
// that the guard let nothing else through, even when the guard is broken:
// no test sends a packet off loopback.
type stubNetwork struct {
	hosts map[string][]string

	mu     sync.Mutex
	dialed []string
}

// errOffLoopback is what the stub answers instead of connecting anywhere
// but loopback.
var errOffLoopback = errors.New("test network: refusing to connect off loopback")

func newStubNetwork(hosts map[string][]string) *stubNetwork {
	return &stubNetwork{hosts: hosts}
}

// network is the stub as the fetcher's network.
func (s *stubNetwork) network() *network {
	return &network{lookup: s.lookup, dial: s.dial}
}

func (s *stubNetwork) lookup(_ context.Context, _, host string) ([]netip.Addr, error) {
	texts, ok := s.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host (test network)", Name: host, IsNotFound: true}
	}
	addrs := make([]netip.Addr, len(texts))
	for i, text := range texts {
		addrs[i] = netip.MustParseAddr(text)
	}
	return addrs, nil
}

func (s *stubNetwork) dial(ctx context.Context, network, address string) (net.Conn, error) {
	s.mu.Lock()
	s.dialed = append(s.dialed, address)
	s.mu.Unlock()
	addrPort, err := netip.ParseAddrPort(address)
	if err != nil || !addrPort.Addr().Unmap().IsLoopback() {
		return nil, fmt.Errorf("%w: %s", errOffLoopback, address)
	}
	dialer := net.Dialer{Timeout: 2 * time.Second}
	return dialer.DialContext(ctx, network, address)
}

// assertOnlyLoopbackDialed fails the test if anything but a loopback
// address was asked for.
func (s *stubNetwork) assertOnlyLoopbackDialed(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, address := range s.dialed {
		if addrPort, err := netip.ParseAddrPort(address); err != nil || !addrPort.Addr().Unmap().IsLoopback() {
			t.Errorf("the guard let a connection to %s through", address)
		}
	}
}

// runJobOn runs job connecting through stub.
func runJobOn(t *testing.T, job agentapi.Job, stub *stubNetwork) (*Manifest, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return run(ctx, job, nil, stub.network(), nil)
}
