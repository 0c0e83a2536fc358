package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// isRetryableStatus reports whether an HTTP status is worth retrying:
// 408 Request Timeout, 429 Too Many Requests and every 5xx.
func isRetryableStatus(status int) bool {
	return status == http.StatusRequestTimeout ||
		status == http.StatusTooManyRequests ||
		(status >= 500 && status <= 599)
}

// parseRetryAfter parses a Retry-After value, either delay-seconds or an
// HTTP date. It returns 0 when the header is absent, invalid or in the past.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds <= 0 {
			return 0
		}
		if seconds > int64(24*time.Hour/time.Second) {
			return 24 * time.Hour
		}
		return time.Duration(seconds) * time.Second
	}
	if date, err := http.ParseTime(value); err == nil && date.After(now) {
		return date.Sub(now)
	}
	return 0
}

// backoffDelay returns the delay before retry number attempt (1-based):
// a server-requested delay capped at maxDelay, or else a uniformly random
// delay in [0, min(maxDelay, baseDelay*2^(attempt-1))] ("full jitter").
func backoffDelay(attempt int, baseDelay, maxDelay, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, maxDelay)
	}
	ceiling := baseDelay
	for range attempt - 1 {
		if ceiling >= maxDelay/2 {
			ceiling = maxDelay
			break
		}
		ceiling *= 2
	}
	ceiling = min(ceiling, maxDelay)
	return rand.N(ceiling + 1)
}

// downloadWithRetries runs downloadOnce until it succeeds, fails with a
// non-retryable error, or Job.MaxAttempts attempts have failed.
func (f *fetcher) downloadWithRetries(ctx context.Context, dep *dependency) (downloadResult, error) {
	for attempt := 1; ; attempt++ {
		if attempt == 1 {
			f.log.Info("fetching", slog.String("uri", dep.redacted), slog.String("kind", dep.kind),
				slog.String("state", termination.StateFetching))
		}
		f.progress.attempt(dep)
		result, err := f.downloadOnce(ctx, dep)
		if err == nil {
			return result, nil
		}
		var fetchErr *Error
		if !errors.As(err, &fetchErr) || !fetchErr.retryable {
			return result, err
		}
		if attempt >= f.job.MaxAttempts {
			return result, &Error{
				Code: ExitNetwork,
				Op:   fmt.Sprintf("download (gave up after %d attempts)", attempt),
				URI:  fetchErr.URI,
				Err:  fetchErr.Err,
			}
		}
		delay := backoffDelay(attempt, time.Duration(f.job.RetryBaseDelay),
			time.Duration(f.job.RetryMaxDelay), fetchErr.retryAfter)
		f.progress.set(dep, termination.StateRetrying)
		f.log.Warn("download attempt failed, retrying",
			slog.String("uri", dep.redacted),
			slog.String("state", termination.StateRetrying),
			slog.Int("attempt", attempt),
			slog.Int("maxAttempts", f.job.MaxAttempts),
			slog.Duration("delay", delay),
			slog.String("error", f.progress.scrub(err.Error())),
		)
		if err := sleepContext(ctx, delay); err != nil {
			return result, newError(ExitNetwork, "download", dep.raw, context.Cause(ctx))
		}
	}
}

// sleepContext waits for delay or until ctx is done.
func sleepContext(ctx context.Context, delay time.Duration) error {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
