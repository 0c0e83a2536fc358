package timelinetest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
)

// verifyToken checks an encoded delegation token the way the Timeline
// Server does: decode Hadoop's Token, check the kind and the owner, and
// compare the password with HMAC-SHA1(secret, identifier).
func verifyToken(encoded, secret string) error {
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return fmt.Errorf("token is not URL-safe base64: %w", err)
	}
	r := &reader{b: raw}
	identifier := r.bytes()
	password := r.bytes()
	kind := string(r.bytes())
	service := string(r.bytes())
	if r.err != nil || r.off != len(raw) {
		return errors.New("token does not decode")
	}
	if kind != "TIMELINE_DELEGATION_TOKEN" || service != "" {
		return fmt.Errorf("token kind %q service %q", kind, service)
	}
	owner, maxDate, err := parseIdentifier(identifier)
	if err != nil {
		return err
	}
	if owner != "MR3_APP_MASTER" || maxDate != 1<<63-1 {
		return fmt.Errorf("token owner %q maxDate %d", owner, maxDate)
	}
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(identifier)
	if !hmac.Equal(mac.Sum(nil), password) {
		return errors.New("token password does not match the secret")
	}
	return nil
}

// reader reads Hadoop WritableUtils vints and length-prefixed bytes.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) byte() byte {
	if r.off >= len(r.b) {
		r.err = errors.New("short token")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// vint is WritableUtils.readVLong.
func (r *reader) vint() int64 {
	first := int8(r.byte())
	if first >= -112 {
		return int64(first)
	}
	negative := first < -120
	n := int(-112 - first)
	if negative {
		n = int(-120 - first)
	}
	var v int64
	for range n {
		v = v<<8 | int64(r.byte())
	}
	if negative {
		v = ^v
	}
	return v
}

func (r *reader) bytes() []byte {
	n := r.vint()
	if r.err != nil || n < 0 || int64(len(r.b)-r.off) < n {
		r.err = errors.New("bad token length")
		return nil
	}
	out := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return out
}

// parseIdentifier decodes the YARNDelegationTokenIdentifierProto fields
// MR3 sets, and refuses any other field.
func parseIdentifier(b []byte) (owner string, maxDate uint64, err error) {
	for len(b) > 0 {
		key, n := uvarint(b)
		if n <= 0 {
			return "", 0, errors.New("bad identifier")
		}
		b = b[n:]
		switch key {
		case 1<<3 | 2:
			l, n := uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return "", 0, errors.New("bad identifier owner")
			}
			owner, b = string(b[n:n+int(l)]), b[n+int(l):]
		case 5 << 3:
			v, n := uvarint(b)
			if n <= 0 {
				return "", 0, errors.New("bad identifier maxDate")
			}
			maxDate, b = v, b[n:]
		default:
			return "", 0, fmt.Errorf("unexpected identifier field key %d", key)
		}
	}
	return owner, maxDate, nil
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
