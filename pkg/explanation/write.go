package explanation

import (
	"fmt"
	"io"
	"strings"
)

// Write prints the explanation: its subject, each step on a line of its
// own marked ✓, ✗, ! or -, the fix under it, and the verdict.
func (e *Explanation) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", e.Subject)
	for _, s := range e.Steps {
		fmt.Fprintf(&b, "  %s %s\n", s.Mark, s.Text)
		if s.Fix != "" {
			fmt.Fprintf(&b, "      fix: %s\n", s.Fix)
		}
	}
	fmt.Fprintf(&b, "  => %s", e.Verdict.Outcome)
	if e.Verdict.Why != "" {
		fmt.Fprintf(&b, ": %s", e.Verdict.Why)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
