package yamldoc

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestEach: blank documents are skipped but counted, and an unreadable
// document stops the reading with an error naming its number.
func TestEach(t *testing.T) {
	var got []string
	err := Each(strings.NewReader("a: 1\n---\n\n---\nb: 2\n"), func(n int, doc []byte) {
		got = append(got, strings.TrimSpace(string(doc))+"@"+string(rune('0'+n)))
	})
	if err != nil || strings.Join(got, " ") != "a: 1@1 b: 2@3" {
		t.Fatalf("documents %q, error %v; want a: 1 as document 1 and b: 2 as document 3", got, err)
	}
	broken := io.MultiReader(strings.NewReader("a: 1\n---\n"), iotest.ErrReader(errors.New("disk gone")))
	if err := Each(broken, func(int, []byte) {}); err == nil || !strings.Contains(err.Error(), "document 2") || !strings.Contains(err.Error(), "disk gone") {
		t.Errorf("an unreadable document: %v, want an error naming document 2", err)
	}
}
