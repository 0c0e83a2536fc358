// Package egress decides where stagehand's dependency fetch may connect:
// which hosts a dependency URI or a redirect may name, and which addresses
// a connection may reach. The webhook checks dependency hosts with it at
// admission; `agent fetch` checks again every redirect and, in its dialer,
// the address of every connection, after name resolution and just before
// connect, so that a name that resolves (or re-resolves: DNS rebinding) to
// a banned address is refused too. Both sides use the same [Policy].
//
// # The allowlist
//
// An allowlist is a list of host globs in path.Match syntax, matched
// case-insensitively against the whole host name of a URI (no scheme, port
// or path), such as "*.example.com" or "repo1.maven.org". Written as one
// value it is comma-separated (STAGEHAND_ALLOWED_DEPENDENCY_HOSTS,
// `agent fetch --allowed-hosts`); see [ParseHosts]. An empty allowlist
// allows every host that is not banned.
//
// # What is never reached
//
// Whatever the allowlist says, these are refused. By name (case-insensitive,
// a trailing dot ignored), the names of cloud metadata services:
//
//	metadata.google.internal, metadata.goog, metadata   Google Cloud
//	instance-data, instance-data.ec2.internal            AWS EC2
//	metadata.azure.com                                   Azure (named in SSRF deny lists)
//	metadata.tencentyun.com                              Tencent Cloud
//	api.metadata.cloud.ibm.com                           IBM Cloud VPC
//	metadata.platformequinix.com, metadata.packet.net    Equinix Metal
//
// By address, whether written as a literal or resolved from a name:
//
//	0.0.0.0/8            "this network": 0.0.0.0 reaches the host itself
//	169.254.0.0/16       IPv4 link-local: the metadata services of AWS, GCP,
//	                     Azure, Oracle, OpenStack, DigitalOcean, Hetzner
//	                     (169.254.169.254), AWS ECS and EKS Pod Identity
//	                     (169.254.170.2, 169.254.170.23), Tencent (169.254.0.23)
//	100.100.100.200/32   Alibaba Cloud metadata
//	168.63.129.16/32     Azure WireServer (the host platform's endpoint)
//	192.0.0.192/32       Oracle Cloud Classic metadata
//	224.0.0.0/4          IPv4 multicast
//	240.0.0.0/4          reserved, and 255.255.255.255 broadcast
//	::/128               the IPv6 unspecified address
//	fe80::/10            IPv6 link-local
//	ff00::/8             IPv6 multicast
//	fd00:ec2::/64        AWS's IPv6 services: IMDS fd00:ec2::254, DNS,
//	                     NTP, EKS Pod Identity fd00:ec2::23
//
// and IPv6 addresses that carry an IPv4 address in one of the classes above
// (or a loopback one, except in the IPv4-mapped form, which is this host's
// own loopback): IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96,
// IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96 and the local-use
// 64:ff9b:1::/48 (every RFC 6052 layout), 6to4 2002::/16 and Teredo
// 2001::/32 (server and client). Zones are ignored.
//
// Loopback (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) is allowed when the
// allowlist is empty or allows "localhost" or the address itself, and
// refused otherwise: with an allowlist, a name that resolves to loopback
// is refused like any other banned address. Private addresses (10.0.0.0/8,
// 172.16.0.0/12, 192.168.0.0/16, fc00::/7, 100.64.0.0/10 but
// 100.100.100.200) are allowed: repositories often live in the cluster.
//
// Through an HTTP proxy (HTTPS_PROXY, HTTP_PROXY) the fetch connects to the
// proxy only: its address is checked, the names of URIs and redirects are
// too, but the addresses the proxy connects to are the proxy's business.
package egress
