package checkup

import (
	"strings"
	"testing"
)

// TestWrite: one line per item, a hint under FAIL and WARN only, each
// message on its line, and the summary.
func TestWrite(t *testing.T) {
	r := Report{
		{Status: Pass, Item: "a", Found: "fine", Hint: "never shown"},
		{Status: Fail, Item: "b", Found: "broken:\n  really", Hint: "fix it"},
		{Status: Warn, Item: "c", Found: "odd", Hint: "look"},
		{Status: Skip, Item: "d", Found: "forbidden", Hint: "never shown"},
	}
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := `PASS a: fine
FAIL b: broken: really
     hint: fix it
WARN c: odd
     hint: look
SKIP d: forbidden
4 items: 1 PASS, 1 FAIL, 1 WARN, 1 SKIP
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if r.Failed() != 1 {
		t.Errorf("Failed() = %d, want 1", r.Failed())
	}
}
