package timeline

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"math"
)

// The delegation token MR3 derives from ATS_SECRET_KEY.
//
// MR3's patch of the Hadoop 2.7 Timeline Server accepts a delegation token
// that the DAGAppMaster, its workers and the server all derive from one
// shared secret, so nobody has to ask the server for one. The token never
// expires. Its parts, as Hadoop serialises them:
//
//   - identifier: a YARNDelegationTokenIdentifierProto (protobuf) with only
//     field 1, owner = "MR3_APP_MASTER" (string, tag 0x0a), and field 5,
//     maxDate = math.MaxInt64 (varint, tag 0x28). renewer, realUser,
//     issueDate, sequenceNumber and masterKeyId are absent, not zero, so the
//     bytes are fixed: 0a 0e "MR3_APP_MASTER" 28 ff ff ff ff ff ff ff ff 7f.
//   - password: HMAC-SHA1 of the identifier, keyed with the bytes (UTF-8) of
//     ATS_SECRET_KEY, as SecretManager.createPassword computes it.
//   - kind: "TIMELINE_DELEGATION_TOKEN"; service: "".
//
// Token.write puts them on the wire as WritableUtils vint(len) identifier,
// vint(len) password, then kind and service as Text (vint length + UTF-8
// bytes), and Token.encodeToUrlString turns that into URL-safe base64
// without padding (commons-codec encodeBase64URLSafeString). The result is
// sent in the X-Hadoop-Delegation-Token header.
const (
	// TokenOwner is the owner in the token identifier.
	TokenOwner = "MR3_APP_MASTER"
	// TokenKind is the Hadoop token kind of Timeline delegation tokens.
	TokenKind = "TIMELINE_DELEGATION_TOKEN"
	// TokenHeader is the HTTP header carrying the encoded token.
	TokenHeader = "X-Hadoop-Delegation-Token"
)

// TokenIdentifier returns the protobuf-encoded token identifier: owner
// (field 1) and maxDate (field 5) only.
func TokenIdentifier() []byte {
	var b []byte
	b = appendProtoBytes(b, 1, []byte(TokenOwner))
	b = appendProtoVarint(b, 5, math.MaxInt64)
	return b
}

// TokenPassword returns HMAC-SHA1(key = secret, identifier).
func TokenPassword(secret string, identifier []byte) []byte {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(identifier)
	return mac.Sum(nil)
}

// EncodeToken serialises a token like Hadoop's Token.write and returns it
// URL-safe base64 encoded without padding, like Token.encodeToUrlString.
func EncodeToken(identifier, password []byte, kind, service string) string {
	var b []byte
	b = appendVInt(b, int64(len(identifier)))
	b = append(b, identifier...)
	b = appendVInt(b, int64(len(password)))
	b = append(b, password...)
	b = appendText(b, kind)
	b = appendText(b, service)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DelegationToken derives the encoded delegation token from the
// ATS_SECRET_KEY value. The result is a credential: never log it.
func DelegationToken(secret string) string {
	id := TokenIdentifier()
	return EncodeToken(id, TokenPassword(secret, id), TokenKind, "")
}

// appendVInt appends i as Hadoop's WritableUtils.writeVLong does: -112..127
// as one byte; otherwise a length byte (-113..-120 for positive values,
// -121..-128 for negative ones, whose one's complement is written) followed
// by the value's significant bytes, most significant first.
func appendVInt(b []byte, i int64) []byte {
	if i >= -112 && i <= 127 {
		return append(b, byte(i))
	}
	length := int64(-112)
	if i < 0 {
		i = ^i
		length = -120
	}
	for tmp := i; tmp != 0; tmp >>= 8 {
		length--
	}
	b = append(b, byte(length))
	n := -(length + 112)
	if length < -120 {
		n = -(length + 120)
	}
	for idx := n; idx != 0; idx-- {
		b = append(b, byte(i>>((idx-1)*8)))
	}
	return b
}

// appendText appends s as Hadoop's Text.write does: vint length, bytes.
func appendText(b []byte, s string) []byte {
	b = appendVInt(b, int64(len(s)))
	return append(b, s...)
}

func appendProtoBytes(b []byte, field int, v []byte) []byte {
	b = appendUvarint(b, uint64(field)<<3|2)
	b = appendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendProtoVarint(b []byte, field int, v uint64) []byte {
	b = appendUvarint(b, uint64(field)<<3)
	return appendUvarint(b, v)
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
