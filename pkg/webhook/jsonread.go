package webhook

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// This file holds the token-level helpers of the reader of the review's
// envelope (decodeReview). They read from a jsontext.Decoder, which checks
// the syntax of everything it passes over (skipped values included) and
// rejects invalid UTF-8. Names match exactly, as in the API server's
// decoder. A member of the envelope may not come twice in an object
// (readStruct); the decoder's own check of every name, whose memory grows
// with an object's members, is off.

// decoderOptions are the options of every admission decoder.
var decoderOptions = jsontext.AllowDuplicateNames(true)

// Errors of values the decoder cannot read.
var (
	errWrongKind = errors.New("wrong JSON type")
	errDuplicate = errors.New("duplicate member")
)

// readStruct calls member for each member of the object that is next whose
// name is one of fields, with that name; member must consume the value.
// Other members are skipped. A member of fields that comes twice is an
// error: which one counts would be ambiguous. A null reads as an empty
// object. fields has at most 64 names.
func readStruct(dec *jsontext.Decoder, fields []string, member func(name string) error) error {
	var seen uint64
	return readObject(dec, func(name []byte) error {
		for i, f := range fields {
			if string(name) != f {
				continue
			}
			if seen&(1<<i) != 0 {
				return fmt.Errorf("%s: %w %q", dec.StackPointer(), errDuplicate, f)
			}
			seen |= 1 << i
			return member(f)
		}
		return dec.SkipValue()
	})
}

// kindError says which value had the wrong kind, by its JSON pointer. Where
// there is no valid value at all, it is the decoder's syntax error.
func kindError(dec *jsontext.Decoder, want string, got jsontext.Kind) error {
	if got == jsontext.KindInvalid {
		if _, err := dec.ReadValue(); err != nil {
			return err
		}
	}
	where := string(dec.StackPointer())
	if where == "" {
		where = "the request body"
	}
	return fmt.Errorf("%s: %w: want %s, found %s", where, errWrongKind, want, got)
}

// readNull consumes a null if one is next and reports whether it did: a
// null member reads as its zero value, as the API server reads it.
func readNull(dec *jsontext.Decoder) (bool, error) {
	if dec.PeekKind() != 'n' {
		return false, nil
	}
	_, err := dec.ReadToken()
	return true, err
}

// readBool reads a boolean or a null (false).
func readBool(dec *jsontext.Decoder) (bool, error) {
	if null, err := readNull(dec); null || err != nil {
		return false, err
	}
	switch dec.PeekKind() {
	case 't', 'f':
		tok, err := dec.ReadToken()
		return err == nil && tok.Bool(), err
	}
	return false, fmt.Errorf("%w: want a boolean, found %v", errWrongKind, dec.PeekKind())
}

// readObject calls member for each member of the object that is next, with
// its unquoted name; member must consume the member's value. A null reads as
// an empty object. Names may repeat.
func readObject(dec *jsontext.Decoder, member func(name []byte) error) error {
	if ok, err := enter(dec, '{', "an object"); !ok {
		return err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if err := member(unquoteName(name)); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// enter consumes the opening delimiter of the object or array that is next
// and reports true; false for a null, which it consumes, or an error.
func enter(dec *jsontext.Decoder, open jsontext.Kind, want string) (bool, error) {
	if null, err := readNull(dec); null || err != nil {
		return false, err
	}
	if k := dec.PeekKind(); k != open {
		return false, kindError(dec, want, k)
	}
	_, err := dec.ReadToken()
	return err == nil, err
}

// unquoteName returns a member name without its quotes. Names are compared
// with the field names the decoder knows, all plain ASCII: a name with an
// escape sequence is decoded first, so that an escaped "initContainers" is
// still read as initContainers.
func unquoteName(quoted []byte) []byte {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1]
	}
	name, err := jsontext.AppendUnquote(nil, quoted)
	if err != nil {
		// The decoder validated the string: unreachable.
		return nil
	}
	return name
}

// readString reads a string; null reads as "".
func readString(dec *jsontext.Decoder) (string, error) { return readEnum(dec, nil) }

// readEnum reads a string or null (""); one of values is returned as that
// value, without allocating.
func readEnum(dec *jsontext.Decoder, values []string) (string, error) {
	if k := dec.PeekKind(); k != '"' && k != 'n' {
		return "", kindError(dec, "a string", k)
	}
	raw, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	s, err := unquoteBytes(raw)
	for _, v := range values {
		if string(s) == v {
			return v, err
		}
	}
	return string(s), err
}

// unquote decodes a raw JSON string or null ("").
func unquote(raw jsontext.Value) (string, error) {
	s, err := unquoteBytes(raw)
	return string(s), err
}

// unquoteBytes decodes a raw JSON string or null (nil). Without escape
// sequences the result aliases raw.
func unquoteBytes(raw jsontext.Value) ([]byte, error) {
	if raw.Kind() == 'n' {
		return nil, nil
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	return jsontext.AppendUnquote(nil, raw)
}
