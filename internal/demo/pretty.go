package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// prettyLog turns the containers' JSON log lines ("[name] {...}") into
// short readable ones; other lines pass through. It is safe for concurrent
// writers, since every container writes to it.
type prettyLog struct {
	mu  sync.Mutex
	out io.Writer
	buf bytes.Buffer
}

// quiet are log fields the demo leaves out.
var quiet = []string{"time", "level", "msg", "component"}

func (p *prettyLog) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	for {
		line, err := p.buf.ReadString('\n')
		if err != nil {
			p.buf.WriteString(line) // incomplete: keep for the next write
			return len(b), nil
		}
		fmt.Fprintf(p.out, "      %s\n", prettyLine(strings.TrimRight(line, "\n")))
	}
}

func (p *prettyLog) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buf.Len() > 0 {
		fmt.Fprintf(p.out, "      %s\n", prettyLine(p.buf.String()))
		p.buf.Reset()
	}
}

func prettyLine(line string) string {
	prefix, rest, ok := strings.Cut(line, "] ")
	if !ok || !strings.HasPrefix(rest, "{") {
		return line
	}
	var fields map[string]any
	if json.Unmarshal([]byte(rest), &fields) != nil {
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
	fmt.Fprintf(&b, "%s] %v", prefix, fields["msg"])
	for _, k := range keys {
		v, _ := json.Marshal(fields[k])
		fmt.Fprintf(&b, " %s=%s", k, v)
	}
	return b.String()
}
