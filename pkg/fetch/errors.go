package fetch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// Exit codes returned by Main and ExitCode. They are documented in doc.go.
const (
	ExitOK        = 0
	ExitBadInput  = 10
	ExitNetwork   = 11
	ExitIntegrity = 12
	ExitSizeLimit = 13
	ExitLocalIO   = 14
)

// Error is the error type returned by Run. Code is one of the Exit*
// constants. URI, when set, is already redacted and safe to log.
type Error struct {
	Code int
	Op   string
	URI  string
	Err  error

	// retryable marks transient failures the download loop may retry.
	retryable bool
	// retryAfter is the server-requested delay (Retry-After), if any.
	retryAfter time.Duration
}

func (e *Error) Error() string {
	if e.URI == "" {
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Op, e.URI, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ExitCode maps an error returned by Run to a process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var fetchErr *Error
	if errors.As(err, &fetchErr) {
		return fetchErr.Code
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ExitNetwork
	}
	return ExitLocalIO
}

// newError builds an *Error, redacting rawURI.
func newError(code int, op, rawURI string, err error) *Error {
	uri := ""
	if rawURI != "" {
		uri = redaction.URL(rawURI)
	}
	return &Error{Code: code, Op: op, URI: uri, Err: err}
}

func badInput(op, rawURI string, format string, args ...any) *Error {
	return newError(ExitBadInput, op, rawURI, fmt.Errorf(format, args...))
}

func localIO(op, rawURI string, err error) *Error {
	return newError(ExitLocalIO, op, rawURI, err)
}

func retryableNetwork(op, rawURI string, err error) *Error {
	fetchErr := newError(ExitNetwork, op, rawURI, err)
	fetchErr.retryable = true
	return fetchErr
}
