package termination

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxBytes is the kubelet's limit on a container's termination message;
// the documents written here are always shorter.
const MaxBytes = 4096

// Ellipsis ends a text that was shortened to fit.
const Ellipsis = "..."

// errTooLong is returned when a document does not fit even with its
// shortenable text empty.
var errTooLong = errors.New("termination message too long even without its text")

// Marshal encodes v as compact JSON without HTML escaping, so that "<"
// and "&" stay readable in kubectl's output.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode termination message: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Fit returns encode(text), or, when that is limit bytes or more,
// encode of the longest prefix of text (cut between runes) followed by
// Ellipsis that is shorter than limit. Escaping makes the encoded length
// of a prefix hard to predict, hence the search.
func Fit(text string, limit int, encode func(text string) ([]byte, error)) ([]byte, error) {
	data, err := encode(text)
	if err != nil || len(data) < limit {
		return data, err
	}
	var best []byte
	lo, hi := 0, len(text)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		data, err := encode(Truncate(text, mid) + Ellipsis)
		if err != nil {
			return nil, err
		}
		if len(data) < limit {
			best, lo = data, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best == nil {
		return nil, errTooLong
	}
	return best, nil
}

// Truncate cuts s to at most n bytes without splitting a rune.
func Truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// shorten returns s when it has at most n bytes, else its first bytes
// and Ellipsis, n bytes at most in all.
func shorten(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	return Truncate(s, n-len(Ellipsis)) + Ellipsis, true
}
