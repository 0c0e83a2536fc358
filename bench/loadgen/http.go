package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// RequestTimeout bounds one request of a Target.
const RequestTimeout = 10 * time.Second

// NewTransport returns the keep-alive HTTP/1.1 transport that every Target
// of a run shares: it trusts roots only and keeps up to conns idle
// connections per host, so that a closed loop of up to conns workers never
// reconnects.
func NewTransport(roots *x509.CertPool, conns int) *http.Transport {
	return &http.Transport{
		TLSClientConfig: &tls.Config{
			RootCAs:    roots,
			MinVersion: tls.VersionTLS12,
			NextProtos: []string{"http/1.1"},
		},
		// A non-nil empty map turns HTTP/2 off.
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		ForceAttemptHTTP2:   false,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     5 * time.Minute,
		DisableCompression:  true,
	}
}

// Target POSTs a JSON body to a URL and checks the answer.
type Target struct {
	Client *http.Client
	URL    string
	// Body is sent by every request, unless Template is set: then each
	// request sends the template's next body.
	Body     []byte
	Template *Template
	// Check validates the body of a 200 response; nil accepts any.
	Check func(body []byte) error
}

var _ Doer = (*Target)(nil)

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Do sends the request once. A status other than 200 is an error.
func (t *Target) Do(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	body := t.Body
	if t.Template != nil {
		out := buffers.Get().(*bytes.Buffer)
		defer buffers.Put(out)
		out.Reset()
		out.Write(t.Template.appendNext(out.AvailableBuffer()))
		body = out.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.Client.Do(req)
	if err != nil {
		return err
	}
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, buf.Bytes())
	}
	if t.Check != nil {
		return t.Check(buf.Bytes())
	}
	return nil
}

// Errors of the admission checks.
var (
	ErrNotAllowed = errors.New("admission response does not allow the object")
	ErrNoPatch    = errors.New("admission response carries no patch")
)

// CheckAllowed returns a check that the AdmissionReview response allows the
// object and, when patched is true, carries a patch. It looks for the
// fields' encodings rather than decoding, to keep the client's CPU share
// small on a machine it shares with the server.
func CheckAllowed(patched bool) func([]byte) error {
	return func(body []byte) error {
		if !bytes.Contains(body, []byte(`"allowed":true`)) {
			return fmt.Errorf("%w: %.200s", ErrNotAllowed, body)
		}
		if patched && !bytes.Contains(body, []byte(`"patch":"`)) {
			return ErrNoPatch
		}
		return nil
	}
}
