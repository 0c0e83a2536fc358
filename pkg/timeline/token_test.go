package timeline

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"testing"
)

// The vectors were computed independently with Python's hmac, hashlib and
// base64 modules and a transcription of WritableUtils.writeVLong.
func TestTokenVectors(t *testing.T) {
	const wantID = "0a0e4d52335f4150505f4d415354455228ffffffffffffffff7f"
	if got := hex.EncodeToString(TokenIdentifier()); got != wantID {
		t.Fatalf("identifier = %s, want %s", got, wantID)
	}
	for _, tc := range []struct {
		secret, password, token string
	}{
		{"HelloWorld", "8cb2b34dce4a21a37de7a7f9bd4cc78a8bc713c6",
			"GgoOTVIzX0FQUF9NQVNURVIo__________9_FIyys03OSiGjfeen-b1Mx4qLxxPGGVRJTUVMSU5FX0RFTEVHQVRJT05fVE9LRU4A"},
		{"süß-秘密", "f784ab74bbc88e2f1dd22528284e1753f21bd8a5",
			"GgoOTVIzX0FQUF9NQVNURVIo__________9_FPeEq3S7yI4vHdIlKChOF1PyG9ilGVRJTUVMSU5FX0RFTEVHQVRJT05fVE9LRU4A"},
	} {
		if got := hex.EncodeToString(TokenPassword(tc.secret, TokenIdentifier())); got != tc.password {
			t.Errorf("password(%q) = %s, want %s", tc.secret, got, tc.password)
		}
		if got := DelegationToken(tc.secret); got != tc.token {
			t.Errorf("DelegationToken(%q) = %s, want %s", tc.secret, got, tc.token)
		}
	}
}

func TestVInt(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		want string
	}{
		{0, "00"}, {127, "7f"}, {-112, "90"}, {20, "14"}, {25, "19"},
		{128, "8f80"}, {255, "8fff"}, {300, "8e012c"}, {65536, "8d010000"},
		{-113, "8770"}, {-1000, "8603e7"},
		{math.MaxInt64, "887fffffffffffffff"},
	} {
		if got := hex.EncodeToString(appendVInt(nil, tc.v)); got != tc.want {
			t.Errorf("vint(%d) = %s, want %s", tc.v, got, tc.want)
		}
	}
}

// A 200-byte identifier needs the multi-byte length form in the token.
func TestEncodeTokenLongIdentifier(t *testing.T) {
	id := make([]byte, 200)
	enc := EncodeToken(id, []byte{1}, "K", "")
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	if raw[0] != 0x8f || raw[1] != 200 || len(raw) != 2+200+1+1+1+1+1 {
		t.Errorf("encoded token starts %x (len %d), want 8f c8 and 207 bytes", raw[:2], len(raw))
	}
}
