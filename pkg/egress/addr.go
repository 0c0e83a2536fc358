package egress

import (
	"encoding/binary"
	"net/netip"
)

// block is a range of addresses never reached, and why.
type block struct {
	prefix netip.Prefix
	reason string
}

// banned4 and banned6 are the ranges the package documentation lists.
var (
	banned4 = []block{
		{netip.MustParsePrefix("0.0.0.0/8"), `in 0.0.0.0/8 ("this network", which reaches the host itself)`},
		{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address (169.254.0.0/16), where cloud metadata services answer"},
		{netip.MustParsePrefix("100.100.100.200/32"), "Alibaba Cloud's metadata service"},
		{netip.MustParsePrefix("168.63.129.16/32"), "Azure's WireServer"},
		{netip.MustParsePrefix("192.0.0.192/32"), "Oracle Cloud Classic's metadata service"},
		{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
		{netip.MustParsePrefix("240.0.0.0/4"), "a reserved or broadcast address"},
	}
	banned6 = []block{
		{netip.MustParsePrefix("::/128"), "the unspecified address"},
		{netip.MustParsePrefix("fe80::/10"), "a link-local address (fe80::/10)"},
		{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
		{netip.MustParsePrefix("fd00:ec2::/64"), "an AWS service address (fd00:ec2::/64, the IPv6 instance metadata service among them)"},
	}
)

// embedding is a range of IPv6 addresses that carry IPv4 addresses, and
// where: each of extract's results is checked.
type embedding struct {
	prefix  netip.Prefix
	name    string
	extract func(a [16]byte) []netip.Addr
}

var embeddings = []embedding{
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated", at(12)},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible", at(12)},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64", at(12)},
	// RFC 6052: the IPv4 address follows a prefix of 32 to 96 bits,
	// skipping bits 64 to 71; the local-use prefix may be any of 48 to 96.
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64", rfc6052(48, 56, 64, 96)},
	{netip.MustParsePrefix("2002::/16"), "6to4", at(2)},
	{netip.MustParsePrefix("2001::/32"), "Teredo", teredo},
}

// classify says why addr is never reached ("" when it may be) and whether
// it is a loopback address of this host.
func classify(addr netip.Addr) (reason string, loopback bool) {
	addr = addr.WithZone("")
	if addr.Is4In6() {
		// A dual-stack socket reaches the IPv4 address itself.
		reason, loopback = classify4(addr.Unmap())
		if reason != "" {
			reason = "the IPv4-mapped form of " + addr.Unmap().String() + ", " + reason
		}
		return reason, loopback
	}
	if addr.Is4() {
		return classify4(addr)
	}
	if addr == netip.IPv6Loopback() {
		return "", true
	}
	for _, b := range banned6 {
		if b.prefix.Contains(addr) {
			return b.reason, false
		}
	}
	for _, e := range embeddings {
		if !e.prefix.Contains(addr) {
			continue
		}
		for _, v4 := range e.extract(addr.As16()) {
			reason, loopback := classify4(v4)
			if loopback {
				// The loopback of whatever translates the address.
				reason = "a loopback address"
			}
			if reason != "" {
				return "the " + e.name + " form of " + v4.String() + ", " + reason, false
			}
		}
	}
	return "", false
}

// classify4 is classify for an IPv4 address.
func classify4(addr netip.Addr) (reason string, loopback bool) {
	if addr.IsLoopback() {
		return "", true
	}
	for _, b := range banned4 {
		if b.prefix.Contains(addr) {
			return b.reason, false
		}
	}
	return "", false
}

// at extracts the IPv4 address in bytes i to i+3.
func at(i int) func(a [16]byte) []netip.Addr {
	return func(a [16]byte) []netip.Addr {
		return []netip.Addr{netip.AddrFrom4([4]byte(a[i : i+4]))}
	}
}

// rfc6052 extracts the IPv4 address after each of the given prefix
// lengths, in RFC 6052's layout: byte 8 (bits 64 to 71) is skipped and
// must be zero, as must the suffix after the IPv4 address. A layout under
// which the address would be in 0.0.0.0/8, which no translator reaches,
// is not a reading of it: most addresses are all zeros somewhere.
func rfc6052(lengths ...int) func(a [16]byte) []netip.Addr {
	return func(a [16]byte) []netip.Addr {
		out := make([]netip.Addr, 0, len(lengths))
		for _, bits := range lengths {
			var v4 [4]byte
			j := bits / 8
			for i := 0; i < 4; j++ {
				if j != 8 {
					v4[i] = a[j]
					i++
				}
			}
			if a[8] == 0 && v4[0] != 0 && allZero(a[j:]) {
				out = append(out, netip.AddrFrom4(v4))
			}
		}
		return out
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// teredo extracts a Teredo address's server (bytes 4 to 7) and its client
// (the last 4 bytes, inverted).
func teredo(a [16]byte) []netip.Addr {
	var client [4]byte
	binary.BigEndian.PutUint32(client[:], ^binary.BigEndian.Uint32(a[12:]))
	return []netip.Addr{netip.AddrFrom4([4]byte(a[4:8])), netip.AddrFrom4(client)}
}
