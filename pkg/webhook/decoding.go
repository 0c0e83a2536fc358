package webhook

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// MaxDecodedBytes bounds the Go values decoding one pod makes. Decoding
// turns a few bytes of JSON ("{}," is three) into a Go value of a hundred
// bytes or more (a corev1.Container is hundreds, a corev1.Volume 256), so
// a 7 MiB body of empty elements would decode into gigabytes. Every value
// is counted before it is decoded: a pod over the bound is denied before
// the value that would pass it is allocated. The pods of MR3, Spark and
// Hive take a few KiB to a few hundred KiB; a pod of 2,000 containers
// with a name, an image and a command about 700 KiB.
const MaxDecodedBytes = 1 << 20

// minValueBytes is the least a value is counted as: a string, a number or
// a map's value is smaller, and what holds it besides (a map's entry and
// its key, a list's spare room) takes about that much.
const minValueBytes = 64

// decodeStep is how many bytes of values decoding counts between two
// looks at the deadline and the budget of large requests.
const decodeStep = 16 << 10

// errDecodedTooLarge stops decoding a pod at MaxDecodedBytes.
var errDecodedTooLarge = errors.New("the pod's values take more than the bound")

// decoding decodes pods into what injection reads of them, counting what
// it decodes as it goes (count). One is reused across requests: its
// options hold count, and the decoder caches, per type, which function
// decodes it.
type decoding struct {
	opts json.Options
	// The request being decoded: its deadline and its reservation of the
	// decoding budget.
	dl  deadline
	res *reservation
	// values and bytes are what was decoded so far; check is the count
	// of bytes at which to look at the deadline and the budget next.
	values       int
	bytes, check int64
	// stopped is why count stopped decoding, and where the bound was
	// passed, the part of the pod it was decoding.
	stopped error
	where   *field.Path
}

func newDecoding() *decoding {
	d := &decoding{}
	d.opts = json.WithUnmarshalers(json.UnmarshalFromFunc(d.count))
	return d
}

// decode decodes the pod of a request, object, into what injection reads
// of it. It stops with d.stopped set when the pod passes MaxDecodedBytes
// (errDecodedTooLarge), when the decoding budget has no room for it
// (errBusy) or at the deadline.
func (d *decoding) decode(dl deadline, res *reservation, object []byte) (*inject.Input, error) {
	*d = decoding{opts: d.opts, dl: dl, res: res}
	defer func() { d.dl, d.res = deadline{}, nil }() // hold no request
	pod, err := inject.DecodeInput(object, d.opts)
	if d.stopped != nil {
		return nil, d.stopped
	}
	if err != nil {
		return nil, undecodable(err)
	}
	// What injection holds besides: reserved here, at its final size.
	if err := d.reserve(); err != nil {
		return nil, err
	}
	return pod, nil
}

// count is called by the JSON decoder before it decodes each value that
// goes into the pod, at any depth, inside the UnmarshalJSONFrom methods of
// package inject too: v points to where the value goes. It counts the size
// of v's type, at least minValueBytes (a struct, and again each member that
// the pod writes: an over-estimate), and lets the decoder decode it
// (errors.ErrUnsupported) or stops it. The bytes of strings are not
// counted: they are fewer than those of the body, which is reserved as it
// is read.
func (d *decoding) count(dec *jsontext.Decoder, v any) error {
	size := max(int64(reflect.TypeOf(v).Elem().Size()), minValueBytes)
	if d.bytes+size > MaxDecodedBytes {
		d.stopped, d.where = errDecodedTooLarge, partOf(dec.StackPointer())
		return d.stopped
	}
	d.values++
	d.bytes += size
	if d.bytes >= d.check {
		d.check = d.bytes + decodeStep
		if err := d.dl.err(); err != nil {
			d.stopped = err
			return err
		}
		if err := d.reserve(); err != nil {
			d.stopped = err
			return err
		}
	}
	return errors.ErrUnsupported
}

// reserve grows the request's reservation of the decoding budget to three
// times the values decoded (the values, as much again in the spare
// capacity of the lists that hold them, and injection's copy); its body is
// reserved from the budget of large requests as it is read.
func (d *decoding) reserve() error {
	return d.res.grow(d.dl, 3*int(d.bytes))
}

// partOf is the part of the pod a JSON pointer is in: its first two
// tokens, which are names of the Input's members (metadata.annotations,
// spec.containers, ...), never the pod's own strings.
func partOf(p jsontext.Pointer) *field.Path {
	var path *field.Path
	n := 0
	for token := range p.Tokens() {
		if n++; n > 2 {
			break
		}
		if path == nil {
			path = field.NewPath(token)
		} else {
			path = path.Child(token)
		}
	}
	if path == nil {
		return field.NewPath("spec")
	}
	return path
}

// tooLarge denies a pod whose decoding stopped at MaxDecodedBytes, saying
// where and after how much.
func (d *decoding) tooLarge() error {
	e := field.TooMany(d.where, -1, MaxDecodedBytes)
	e.Detail = fmt.Sprintf("stagehand decodes at most %d bytes of Go values from the fields of a pod it reads "+
		"(stagehand.io/ annotations, volumes, init containers, containers), and this pod needs more: "+
		"%d values, %d bytes, when it stopped", MaxDecodedBytes, d.values, d.bytes)
	return &inject.Denied{Reason: inject.ReasonTooLarge, Errors: field.ErrorList{e}}
}
