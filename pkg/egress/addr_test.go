package egress

import (
	"net/netip"
	"strings"
	"testing"
)

// TestClassify is the table of the address classifier: IPv4, IPv6, the
// IPv6 forms that carry an IPv4 address, and zones.
func TestClassify(t *testing.T) {
	const ok, loop, banned = "ok", "loopback", "banned"
	tests := []struct {
		addr, want string
		mention    string // a word the reason must hold
	}{
		// IPv4.
		{"169.254.169.254", banned, "link-local"},
		{"169.254.170.2", banned, "link-local"},
		{"169.254.0.23", banned, "link-local"},
		{"0.0.0.0", banned, "0.0.0.0/8"},
		{"0.1.2.3", banned, "0.0.0.0/8"},
		{"100.100.100.200", banned, "Alibaba"},
		{"168.63.129.16", banned, "Azure"},
		{"192.0.0.192", banned, "Oracle"},
		{"224.0.0.1", banned, "multicast"},
		{"255.255.255.255", banned, "broadcast"},
		{"127.0.0.1", loop, ""},
		{"127.1.2.3", loop, ""},
		{"10.0.0.1", ok, ""},
		{"100.100.100.201", ok, ""},
		{"100.64.0.1", ok, ""},
		{"192.168.1.1", ok, ""},
		{"8.8.8.8", ok, ""},
		{"169.253.255.255", ok, ""},
		{"169.255.0.0", ok, ""},
		// IPv6.
		{"::", banned, "unspecified"},
		{"::1", loop, ""},
		{"fe80::1", banned, "link-local"},
		{"febf:ffff::1", banned, "link-local"},
		{"fec0::1", ok, ""},
		{"ff02::1", banned, "multicast"},
		{"fd00:ec2::254", banned, "AWS"},
		{"fd00:ec2::23", banned, "AWS"},
		{"fd00:ec3::254", ok, ""},
		{"fd12:3456::1", ok, ""},
		{"2001:db8::1", ok, ""},
		{"2a00:1450:4001:80b::200e", ok, ""},
		// Zones are ignored.
		{"fe80::1%eth0", banned, "link-local"},
		{"::1%lo", loop, ""},
		{"fd00:ec2::254%eth0", banned, "AWS"},
		// IPv4-mapped: this host's IPv4 stack.
		{"::ffff:169.254.169.254", banned, "IPv4-mapped"},
		{"::ffff:a9fe:a9fe", banned, "169.254.169.254"},
		{"::ffff:100.100.100.200", banned, "Alibaba"},
		{"::ffff:0.0.0.0", banned, "0.0.0.0/8"},
		{"::ffff:127.0.0.1", loop, ""},
		{"::ffff:10.0.0.1", ok, ""},
		{"::ffff:169.254.169.254%eth0", banned, "IPv4-mapped"},
		// IPv4-compatible and IPv4-translated.
		{"::169.254.169.254", banned, "IPv4-compatible"},
		{"::127.0.0.1", banned, "loopback"},
		{"::ffff:0:169.254.169.254", banned, "IPv4-translated"},
		// NAT64, well-known prefix.
		{"64:ff9b::169.254.169.254", banned, "NAT64 form of 169.254.169.254"},
		{"64:ff9b::a9fe:a9fe", banned, "NAT64"},
		{"64:ff9b::100.100.100.200", banned, "Alibaba"},
		{"64:ff9b::127.0.0.1", banned, "loopback"},
		{"64:ff9b::0.0.0.0", banned, "0.0.0.0/8"},
		{"64:ff9b::8.8.8.8", ok, ""},
		// NAT64, local-use prefix, every RFC 6052 layout.
		{"64:ff9b:1::a9fe:a9fe", banned, "local-use NAT64"},            // /96
		{"64:ff9b:1:a9fe:00a9:fe00::", banned, "local-use NAT64"},      // /48
		{"64:ff9b:1:00a9:00fe:a9fe::", banned, "local-use NAT64"},      // /56
		{"64:ff9b:1:0000:00a9:fea9:fe00:0", banned, "local-use NAT64"}, // /64
		{"64:ff9b:1:0808:0008:0800::", ok, ""},                         // 8.8.8.8 at /48
		// 6to4 and Teredo.
		{"2002:a9fe:a9fe::1", banned, "6to4"},
		{"2002:0808:0808::1", ok, ""},
		{"2001:0:a9fe:a9fe::1", banned, "Teredo"},                                    // server
		{"2001:0:0808:0808:0:0:5601:5601", banned, "Teredo form of 169.254.169.254"}, // client, inverted
		{"2001:0:0808:0808::f7f7:f7f7", ok, ""},
	}
	for _, tc := range tests {
		addr, err := netip.ParseAddr(tc.addr)
		if err != nil {
			t.Fatalf("%s: %v", tc.addr, err)
		}
		reason, loopback := classify(addr)
		got := ok
		switch {
		case reason != "" && loopback:
			t.Errorf("%s: both banned (%s) and loopback", tc.addr, reason)
		case reason != "":
			got = banned
		case loopback:
			got = loop
		}
		if got != tc.want || !strings.Contains(reason, tc.mention) {
			t.Errorf("%s: %s (%q), want %s mentioning %q", tc.addr, got, reason, tc.want, tc.mention)
		}
	}
}

// TestCheckAddr: loopback is allowed without an allowlist, or when the
// allowlist allows localhost or the address; banned addresses never are.
func TestCheckAddr(t *testing.T) {
	loopback, mapped, metadata := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::ffff:127.0.0.1"), netip.MustParseAddr("169.254.169.254")
	tests := []struct {
		allowed []string
		addr    netip.Addr
		want    bool
	}{
		{nil, loopback, true},
		{nil, mapped, true},
		{nil, netip.IPv6Loopback(), true},
		{nil, metadata, false},
		{[]string{"*"}, metadata, false},
		{[]string{"*.example.com"}, loopback, false},
		{[]string{"*.example.com"}, netip.IPv6Loopback(), false},
		{[]string{"*.example.com", "localhost"}, loopback, true},
		{[]string{"127.0.0.1"}, loopback, true},
		{[]string{"127.0.0.1"}, mapped, true},
		{[]string{"127.0.0.1"}, netip.MustParseAddr("127.0.0.2"), false},
		{[]string{"127.0.0.*"}, netip.MustParseAddr("127.0.0.2"), true},
		{[]string{"*.example.com"}, netip.MustParseAddr("10.1.2.3"), true},
	}
	for _, tc := range tests {
		err := Policy{AllowedHosts: tc.allowed}.CheckAddr("h.example.com", tc.addr)
		if (err == nil) != tc.want {
			t.Errorf("allowlist %q, %s: %v, want allowed %v", tc.allowed, tc.addr, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "h.example.com resolves to "+tc.addr.String()) {
			t.Errorf("error %q names neither the host nor the address", err)
		}
	}
}
