package demo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// quiet are log fields the demo leaves out.
var quiet = []string{"time", "level", "msg", "component"}

// prettyLine turns a JSON log line (the agent's) into a short readable
// one: its message, then its other fields sorted; other lines pass
// through.
func prettyLine(line string) string {
	if !strings.HasPrefix(line, "{") {
		return line
	}
	var fields map[string]any
	if json.Unmarshal([]byte(line), &fields) != nil {
		return line
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if !slices.Contains(quiet, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%v", fields["msg"])
	if c, ok := fields["component"]; ok {
		b.Reset()
		fmt.Fprintf(&b, "[%v] %v", c, fields["msg"])
	}
	for _, k := range keys {
		var v strings.Builder
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(fields[k])
		fmt.Fprintf(&b, " %s=%s", k, strings.TrimSpace(v.String()))
	}
	return b.String()
}
