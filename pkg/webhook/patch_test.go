package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

func base64Reader(b []byte) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, bytes.NewReader(b))
}

// TestPatchEncodedOnce: the patch is encoded one operation at a time
// straight into base64: besides its output, encoding holds about one
// operation, never the patch's JSON.
func TestPatchEncodedOnce(t *testing.T) {
	arg := strings.Repeat("x", 8<<10)
	ops := make([]inject.Operation, 64)
	for i := range ops {
		ops[i] = inject.Operation{Operation: "replace", Path: "/spec/containers/" + strconv.Itoa(i) + "/command", Value: []string{"/agent", "run", "--", arg}}
	}
	whole, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 0, 2*len(whole))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, err := newPatchEncoder().encode(deadline{ctx: context.Background(), at: time.Now().Add(time.Minute)}, dst, ops)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := io.ReadAll(base64Reader(out))
	if err != nil || !bytes.Equal(decoded, whole) {
		t.Fatalf("the streamed patch decodes to %d bytes (%v), want json.Marshal's %d", len(decoded), err, len(whole))
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > uint64(len(whole))/4 {
		t.Errorf("encoding a %d-byte patch allocated %d bytes: it holds more than one operation", len(whole), allocated)
	}
	// One encoder, reused, for patches whose JSON ends anywhere in a group
	// of three bytes of base64.
	p := newPatchEncoder()
	for n := 1; n <= 6; n++ {
		short := []inject.Operation{{Operation: "add", Path: "/a", Value: strings.Repeat("y", n)}, {Operation: "remove", Path: "/b" + strings.Repeat("z", n%3)}}[:1+n%2]
		want, err := json.Marshal(short)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.encode(deadline{ctx: context.Background(), at: time.Now().Add(time.Minute)}, nil, short)
		if err != nil || string(got) != base64.StdEncoding.EncodeToString(want) {
			t.Errorf("patch %s: encoded %s (%v)", want, got, err)
		}
	}
}
