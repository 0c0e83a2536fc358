package fetch

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/egress"
)

// TestDialRefusesBannedAddresses (issue 11, item 6): a host name that
// resolves to a cloud metadata address, in any of its forms, is refused in
// the dialer, before any connection, whatever the allowlist: the check is
// at dial time because a name may resolve to another address later (DNS
// rebinding). With an allowlist, a name that resolves to loopback is
// refused too.
func TestDialRefusesBannedAddresses(t *testing.T) {
	server := newRedirectServer(t, false)
	hosts := map[string][]string{
		"imds.test":     {"169.254.169.254"},
		"nat64.test":    {"64:ff9b::a9fe:a9fe"},
		"mapped.test":   {"::ffff:169.254.169.254"},
		"aws6.test":     {"fd00:ec2::254"},
		"alibaba.test":  {"100.100.100.200"},
		"zero.test":     {"0.0.0.0"},
		"mixed.test":    {"127.0.0.1", "169.254.169.254"},
		"loopback.test": {"127.0.0.1"},
	}
	tests := []struct {
		host    string
		allowed []string
		why     string
	}{
		{"imds.test", nil, "host imds.test resolves to 169.254.169.254, a link-local address"},
		{"imds.test", []string{"*.test"}, "resolves to 169.254.169.254"},
		{"nat64.test", nil, "resolves to 64:ff9b::a9fe:a9fe, the NAT64 form of 169.254.169.254"},
		{"mapped.test", nil, "resolves to ::ffff:169.254.169.254, the IPv4-mapped form of 169.254.169.254"},
		{"aws6.test", nil, "resolves to fd00:ec2::254, an AWS service address"},
		{"alibaba.test", nil, "Alibaba"},
		{"zero.test", nil, "0.0.0.0/8"},
		{"mixed.test", nil, "resolves to 169.254.169.254"},
		{"loopback.test", []string{"*.test"}, "resolves to 127.0.0.1, a loopback address the allowlist (*.test) does not allow"},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			stub := newStubNetwork(hosts)
			server.downloads.Store(0)
			job := testJob(t)
			job.AllowedHosts = tc.allowed
			job.Jars = []string{"http://" + tc.host + ":" + server.port() + "/x.jar"}
			_, err := runJobOn(t, job, stub)
			assertExitCode(t, err, ExitNetwork)
			if msg := err.Error(); !strings.Contains(msg, "download http://"+tc.host+":"+server.port()+"/x.jar") || !strings.Contains(msg, tc.why) {
				t.Errorf("error %q names neither the dependency nor %q", msg, tc.why)
			}
			var refusal *egress.Refusal
			if !errors.As(err, &refusal) {
				t.Errorf("error %v is not an *egress.Refusal", err)
			}
			stub.mu.Lock()
			dialed := len(stub.dialed)
			stub.mu.Unlock()
			if dialed != 0 || server.downloads.Load() != 0 {
				t.Errorf("%d connections and %d downloads, want none: the guard refuses before connecting", dialed, server.downloads.Load())
			}
			assertNothingWritten(t, job)
		})
	}

	// Loopback is reached without an allowlist, or when the allowlist
	// allows it.
	for _, allowed := range [][]string{nil, {"*.test", "localhost"}} {
		stub := newStubNetwork(hosts)
		job := testJob(t)
		job.AllowedHosts = allowed
		job.Jars = []string{"http://loopback.test:" + server.port() + "/x.jar"}
		if _, err := runJobOn(t, job, stub); err != nil {
			t.Errorf("allowlist %q: %v", allowed, err)
		}
		stub.assertOnlyLoopbackDialed(t)
	}
}

// TestDialerControl: the system dialer's last check, on the address it is
// about to connect to.
func TestDialerControl(t *testing.T) {
	policy := egress.Policy{}
	for address, want := range map[string]bool{
		"127.0.0.1:80":                true,
		"[::1]:443":                   true,
		"10.1.2.3:8080":               true,
		"169.254.169.254:80":          false,
		"[fe80::1%eth0]:80":           false,
		"[::ffff:169.254.169.254]:80": false,
		"[64:ff9b::a9fe:a9fe]:80":     false,
		"[fd00:ec2::254]:80":          false,
		"0.0.0.0:80":                  false,
		"metadata.google.internal:80": false, // not an address: never connected to by name
	} {
		if err := checkDialAddress(policy, address); (err == nil) != want {
			t.Errorf("checkDialAddress(%q) = %v, want allowed %v", address, err, want)
		}
	}
	// The system network's dialer runs the check before connect. Shown on
	// loopback, which an allowlist without it refuses: were the check
	// missing, the test would connect to 127.0.0.1 and nowhere else.
	server := newRedirectServer(t, false)
	job := testJob(t).WithDefaults()
	for allowed, want := range map[string]bool{"*.example.com": false, "localhost": true} {
		netw := systemNetwork(job, egress.Policy{AllowedHosts: []string{allowed}})
		conn, err := netw.dial(context.Background(), "tcp", server.Listener.Addr().String())
		if conn != nil {
			conn.Close()
		}
		var refusal *egress.Refusal
		if (err == nil) != want || (err != nil && !errors.As(err, &refusal)) {
			t.Errorf("allowlist %s: dial 127.0.0.1 = %v, want allowed %v", allowed, err, want)
		}
	}
}
