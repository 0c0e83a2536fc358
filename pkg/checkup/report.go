package checkup

import (
	"fmt"
	"io"
	"strings"
)

// Status is the verdict on one item.
type Status string

// The verdicts, as the report prints them.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Warn Status = "WARN"
	Skip Status = "SKIP"
)

// Result is one checked item.
type Result struct {
	Status Status
	// Item names what was checked, such as "Deployment
	// stagehand-system/stagehand-webhook".
	Item string
	// Found says what was found.
	Found string
	// Hint says what to do, with the exact command where there is one; it
	// is printed for FAIL and WARN.
	Hint string
}

// Report is the results of a check, in order.
type Report []Result

// Failed is the number of items that failed.
func (r Report) Failed() int { return r.count(Fail) }

func (r Report) count(s Status) int {
	n := 0
	for _, res := range r {
		if res.Status == s {
			n++
		}
	}
	return n
}

// Find returns the result of item.
func (r Report) Find(item string) (Result, bool) {
	for _, res := range r {
		if res.Item == item {
			return res, true
		}
	}
	return Result{}, false
}

// Write prints one line per item, "STATUS item: found", an indented
// "hint:" line under each FAIL and WARN that has one, and a summary line.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	for _, res := range r {
		fmt.Fprintf(&b, "%s %s: %s\n", res.Status, res.Item, oneLine(res.Found))
		if res.Hint != "" && (res.Status == Fail || res.Status == Warn) {
			fmt.Fprintf(&b, "     hint: %s\n", oneLine(res.Hint))
		}
	}
	fmt.Fprintf(&b, "%d items: %d PASS, %d FAIL, %d WARN, %d SKIP\n",
		len(r), r.count(Pass), r.count(Fail), r.count(Warn), r.count(Skip))
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps a message, an API error's included, on its line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
