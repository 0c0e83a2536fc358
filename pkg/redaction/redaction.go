package redaction

import (
	"net/url"
	"strings"
)

// Marker replaces what URL removes: the userinfo and the query string.
const Marker = "redacted"

// URL returns v with userinfo and query string replaced by "redacted" and
// any fragment dropped (see the package documentation). A value without
// '@', '?', '#' or '%' is returned as it is.
func URL(v string) string {
	if !strings.ContainsAny(v, "@?#%") {
		return v
	}
	parsed, err := url.Parse(v)
	if err != nil {
		// Where a value that does not parse has its userinfo is anyone's
		// guess ("https://u:SEK#RIT@host/"): everything before its last
		// '@' goes.
		return cutBeforeLastAt(v, true)
	}
	return withoutQuery(redactUserinfo(parsed, v))
}

// withoutQuery cuts the fragment of v and replaces its query string by
// the marker.
func withoutQuery(v string) string {
	v, _, _ = strings.Cut(v, "#")
	if body, _, hadQuery := strings.Cut(v, "?"); hadQuery {
		return body + "?" + Marker
	}
	return v
}

// List applies URL to each comma-separated item of v, keeping the commas
// and the blanks: a list written where one value is expected is redacted
// item by item too.
func List(v string) string {
	if !strings.ContainsAny(v, "@?#%") {
		return v
	}
	items := strings.Split(v, ",")
	for i, item := range items {
		core := strings.TrimSpace(item)
		start := strings.Index(item, core)
		items[i] = item[:start] + URL(core) + item[start+len(core):]
	}
	return strings.Join(items, ",")
}

// redactUserinfo redacts the userinfo of v, which parsed, where url.Parse
// finds it, or where it may be when v has no authority.
func redactUserinfo(parsed *url.URL, v string) string {
	body, _, _ := strings.Cut(v, "#")
	body, _, _ = strings.Cut(body, "?")
	if scheme, rest, ok := splitAuthority(body); ok {
		authority := rest
		if slash := strings.IndexByte(rest, '/'); slash >= 0 {
			authority = rest[:slash]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			return scheme + Marker + v[len(scheme)+at:]
		}
		return v
	}
	if parsed.Opaque != "" {
		// "u:SEKRIT@ats:8188" is scheme "u" and opaque "SEKRIT@ats:8188":
		// the scheme may be the user name.
		return cutBeforeLastAt(body, false) + v[len(body):]
	}
	if strings.HasPrefix(body, "/") {
		return v // a path: no userinfo
	}
	// A relative reference such as "SEKRIT@ats": its first segment may
	// be userinfo and host.
	first := body
	if slash := strings.IndexByte(body, '/'); slash >= 0 {
		first = body[:slash]
	}
	return cutBeforeLastAt(first, false) + v[len(first):]
}

// splitAuthority splits "scheme://rest" or "//rest" into the part up to
// and including "//" and the rest.
func splitAuthority(body string) (string, string, bool) {
	if rest, ok := strings.CutPrefix(body, "//"); ok {
		return "//", rest, true
	}
	i := strings.Index(body, "://")
	if i <= 0 || !isScheme(body[:i]) {
		return "", "", false
	}
	return body[:i+3], body[i+3:], true
}

// cutBeforeLastAt replaces everything before the last '@' or "%40" of s
// by the marker, then redacts the query of what follows. With keepScheme, a
// leading "scheme://" stays.
func cutBeforeLastAt(s string, keepScheme bool) string {
	at := lastAt(s)
	if at < 0 {
		return withoutQuery(s)
	}
	prefix := ""
	if scheme, _, ok := splitAuthority(s); keepScheme && ok && len(scheme) <= at {
		prefix = scheme
	}
	return prefix + Marker + "@" + withoutQuery(s[at+atLen(s[at:]):])
}

// lastAt is the index of the last '@' or percent-encoded "%40" in s, or -1.
func lastAt(s string) int {
	at := strings.LastIndexByte(s, '@')
	if pct := strings.LastIndex(s, "%40"); pct > at {
		return pct
	}
	return at
}

// atLen is the length of the '@' or "%40" s starts with.
func atLen(s string) int {
	if s[0] == '@' {
		return 1
	}
	return 3
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, '+', '-' or '.'.
func isScheme(s string) bool {
	for i := range len(s) {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}
