package reliability

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// errWrong marks a response that is not the expected one.
var errWrong = errors.New("wrong response")

// maxSamples bounds the problems a tally keeps for the test's message.
const maxSamples = 10

// newClient returns a keep-alive HTTPS client trusting pool, with up to
// conns connections to a host, speaking HTTP/1.1 as the API server does to
// stagehand.
func newClient(pool *x509.CertPool, conns int) *http.Client {
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     time.Minute,
		},
	}
}

// admit posts one case with uid to url and checks the response: an error
// wrapping errWrong for a wrong answer, another error when there is none.
func admit(client *http.Client, url string, c *reviewCase, uid string) error {
	resp, err := post(client, url, c.request(uid))
	if err != nil {
		return err
	}
	if err := c.check(resp, uid); err != nil {
		return fmt.Errorf("%w: %w", errWrong, err)
	}
	return nil
}

// post sends an AdmissionReview body and decodes the response.
func post(client *http.Client, url string, body []byte) (*admissionv1.AdmissionResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("POST %s: reading the response: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %s: %s", url, resp.Status, data)
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(data, &review); err != nil {
		return nil, fmt.Errorf("POST %s: decoding the AdmissionReview: %w", url, err)
	}
	if review.Response == nil {
		return nil, fmt.Errorf("POST %s: %w: no response in the AdmissionReview", url, errWrong)
	}
	return review.Response, nil
}

// sendFunc sends one case with a UID.
type sendFunc func(c *reviewCase, uid string) error

// tally counts requests and their failures.
type tally struct {
	requests, errors, wrong atomic.Int64
	mu                      sync.Mutex
	samples                 []string
	// onResult, when set, sees every request's start and error.
	onResult func(start time.Time, err error)
}

func (t *tally) record(start time.Time, err error) {
	t.requests.Add(1)
	if t.onResult != nil {
		t.onResult(start, err)
	}
	if err == nil {
		return
	}
	if errors.Is(err, errWrong) {
		t.wrong.Add(1)
	} else {
		t.errors.Add(1)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.samples) < maxSamples {
		t.samples = append(t.samples, start.Format("15:04:05.000")+" "+err.Error())
	}
}

// failed reports whether any request failed, with the first problems.
func (t *tally) failed() (bool, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.errors.Load() == 0 && t.wrong.Load() == 0 {
		return false, ""
	}
	return true, fmt.Sprintf("%d errors and %d wrong responses in %d requests; first:\n%s",
		t.errors.Load(), t.wrong.Load(), t.requests.Load(), joinLines(t.samples))
}

func joinLines(lines []string) string {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// generate runs workers that send the cases in turn until stop is closed
// or the time limit passes, whichever is first; a request is never cut
// short by either.
func generate(stop <-chan struct{}, limit time.Duration, workers int, cases []*reviewCase, send sendFunc, t *tally) {
	deadline := time.Now().Add(limit)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := 0; time.Now().Before(deadline); n++ {
				select {
				case <-stop:
					return
				default:
				}
				c := cases[(w+n)%len(cases)]
				start := time.Now()
				t.record(start, send(c, fmt.Sprintf("w%d-r%d", w, n)))
			}
		})
	}
	wg.Wait()
}
