package timeline

import (
	"encoding/json"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// Redacted replaces what RedactArgs removes.
const Redacted = "[redacted]"

// secretWords mark a key as secret when its lowercase form contains one.
var secretWords = []string{"secret", "passw", "pwd", "token", "credential", "apikey", "accesskey",
	"privatekey", "authorization", "signature", "cookie", "session"}

// secretParts mark a key as secret when one of its parts (split at
// anything but letters and digits) is one of them.
var secretParts = map[string]bool{"key": true, "pass": true, "auth": true, "sig": true, "sas": true, "jwt": true}

// RedactArgs returns a copy of a command line that is safe to report:
//
//   - the value of key=value arguments (also -Dkey=value and --key=value)
//     whose key looks secret (password, secret, token, key, ...),
//   - the argument after a flag that looks secret (--password VALUE),
//   - the userinfo and the query string of URLs (see package redaction),
//   - and every occurrence of the given secrets
//
// are replaced by "[redacted]". Environment values are never reported.
func RedactArgs(args []string, secrets ...string) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	redactNext := false
	for i, arg := range args {
		switch {
		case redactNext:
			out[i] = Redacted
			redactNext = false
			continue
		case strings.HasPrefix(arg, "-") && !strings.Contains(arg, "=") && secretKey(arg):
			redactNext = true
		}
		out[i] = redactArg(arg)
		for _, s := range secrets {
			if s != "" {
				out[i] = strings.ReplaceAll(out[i], s, Redacted)
			}
		}
	}
	return out
}

func redactArg(arg string) string {
	if key, _, ok := strings.Cut(arg, "="); ok && !strings.Contains(key, "://") && secretKey(key) {
		return key + "=" + Redacted
	}
	// URLs anywhere in the argument, e.g. --uri=https://u:p@host/x?token=y.
	var b strings.Builder
	rest := arg
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeChar(rest[start-1]) {
			start--
		}
		end := i + 3
		for end < len(rest) && !strings.ContainsRune(" \t,;\"'<>", rune(rest[end])) {
			end++
		}
		b.WriteString(rest[:start])
		b.WriteString(redaction.URL(rest[start:end]))
		rest = rest[end:]
	}
}

func isSchemeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// secretKey reports whether a flag or key names a secret.
func secretKey(key string) bool {
	k := strings.TrimPrefix(key, "-D") // -Dfs.s3a.secret.key=...
	k = strings.ToLower(strings.TrimLeft(k, "-"))
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	for _, part := range strings.FieldsFunc(k, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	}) {
		if secretParts[part] {
			return true
		}
	}
	return false
}

// scrub copies info with any occurrence of the secret removed from its
// strings, at any depth: a value that is not a string, a number or a
// boolean is first turned into its JSON form (maps, lists), which is what
// is sent anyway.
func (r *Reporter) scrub(info map[string]any) map[string]any {
	if info == nil {
		return nil
	}
	out := make(map[string]any, len(info))
	for k, v := range info {
		out[k] = scrubValue(v, r.secret)
	}
	return out
}

func scrubValue(v any, secret string) any {
	switch v := v.(type) {
	case nil, bool, int, int32, int64, uint, uint32, uint64, float32, float64, json.Number:
		return v
	case string:
		if secret == "" {
			return v
		}
		return strings.ReplaceAll(v, secret, Redacted)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[scrubValue(k, secret).(string)] = scrubValue(item, secret)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = scrubValue(item, secret)
		}
		return out
	}
	if secret == "" {
		return v
	}
	data, err := json.Marshal(v)
	if err != nil {
		return Redacted // unreachable for what the agent reports
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return Redacted
	}
	return scrubValue(generic, secret)
}
