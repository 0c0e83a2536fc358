package webhook

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Bounds on the time one request may take. The API server sends its
// webhook timeout (timeoutSeconds, at most 30 s) as the timeout query
// parameter; the handler stops working when it has passed.
const (
	defaultRequestTimeout = 10 * time.Second
	maxRequestTimeout     = 30 * time.Second
)

// deadline is when a request's answer stops being wanted: when its caller
// goes away (ctx, the request's context) or at a time. It is checked
// without deriving a context, which would cost every request a timer; one
// is made only to wait for the budget of large requests.
type deadline struct {
	ctx context.Context
	at  time.Time
}

// requestDeadline is the deadline of r: the request's context, and the
// time the API server asked for in its timeout parameter, or
// defaultRequestTimeout from now.
func requestDeadline(r *http.Request) deadline {
	timeout := defaultRequestTimeout
	for q := r.URL.RawQuery; q != ""; {
		var param string
		param, q, _ = strings.Cut(q, "&")
		if v, ok := strings.CutPrefix(param, "timeout="); ok {
			if d, err := time.ParseDuration(v); err == nil && d > 0 {
				timeout = min(d, maxRequestTimeout)
			}
		}
	}
	return deadline{ctx: r.Context(), at: time.Now().Add(timeout)}
}

// err is nil while the answer is wanted; then why it is not.
func (d deadline) err() error {
	if err := d.ctx.Err(); err != nil {
		return context.Cause(d.ctx)
	}
	if !time.Now().Before(d.at) {
		return context.DeadlineExceeded
	}
	return nil
}

// context is a context done at the deadline.
func (d deadline) context() (context.Context, context.CancelFunc) {
	return context.WithDeadline(d.ctx, d.at)
}
