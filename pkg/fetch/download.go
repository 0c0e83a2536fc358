package fetch

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// errStalled is the cancellation cause of an attempt that received no bytes
// for Job.StallTimeout.
var errStalled = errors.New("transfer stalled")

// downloadResult describes a verified download sitting at its .part path.
type downloadResult struct {
	size   int64
	sha256 string
	// part is the .part file, still open, not yet fsynced: the caller
	// owns it and must close it.
	part *os.File
}

// downloadOnce performs one attempt: it truncates dep.partPath, streams the
// body into it while hashing and counting and verifies it. It never
// renames; on success it hands the open .part file over in the result, to
// be fsynced and renamed (see place) or unpacked; on error it closes it,
// and the .part file holds garbage to be overwritten or removed.
func (f *fetcher) downloadOnce(ctx context.Context, dep *dependency) (result downloadResult, err error) {
	part, err := os.OpenFile(dep.partPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return result, localIO("create", dep.raw, err)
	}
	defer func() {
		if err != nil {
			_ = part.Close() // the attempt failed already
		}
	}()

	stallTimeout := time.Duration(f.job.StallTimeout)
	attemptCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchdog := time.AfterFunc(stallTimeout, func() {
		cancel(fmt.Errorf("%w: no data received for %s", errStalled, stallTimeout))
	})
	defer watchdog.Stop()

	request, err := http.NewRequestWithContext(attemptCtx, http.MethodGet, dep.fetchURL, nil)
	if err != nil {
		return result, badInput("download", dep.raw, "cannot build request")
	}
	f.setHeaders(request)
	response, err := f.client.Do(request)
	if err != nil {
		return result, classifyTransferError(ctx, attemptCtx, dep, err)
	}
	defer response.Body.Close()
	watchdog.Reset(stallTimeout)

	if err := checkStatus(dep, response); err != nil {
		return result, err
	}
	if err := f.checkDeclaredSize(dep, response.ContentLength); err != nil {
		return result, err
	}
	f.progress.expect(dep, response.ContentLength)

	hash := sha256.New()
	written, err := f.copyBody(part, hash, response.Body, dep, func() { watchdog.Reset(stallTimeout) })
	defer func() {
		if err != nil {
			f.totalBytes.Add(-written)
		}
	}()
	if err != nil {
		var fetchErr *Error
		if errors.As(err, &fetchErr) {
			return result, err
		}
		return result, classifyTransferError(ctx, attemptCtx, dep, err)
	}
	if response.ContentLength >= 0 && written != response.ContentLength {
		return result, retryableNetwork("download", dep.raw,
			fmt.Errorf("received %d bytes, Content-Length is %d", written, response.ContentLength))
	}
	result = downloadResult{size: written, sha256: hex.EncodeToString(hash.Sum(nil))}
	if dep.wantSHA256 != "" && result.sha256 != dep.wantSHA256 {
		return result, newError(ExitIntegrity, "verify", dep.raw,
			fmt.Errorf("sha256 mismatch: got %s, want %s", result.sha256, dep.wantSHA256))
	}
	result.part = part
	return result, nil
}

// setHeaders sets the headers of every request: the user agent and the
// bearer token, if any.
func (f *fetcher) setHeaders(request *http.Request) {
	request.Header.Set("User-Agent", userAgent)
	if f.bearerToken != "" {
		request.Header.Set("Authorization", "Bearer "+f.bearerToken)
	}
}

// checkStatus accepts 200 and classifies everything else. The error names
// the status by its code and standard text, never by the server's reason
// phrase: a server may echo the request's credentials there (the bearer
// token, or the Basic authorization of a URI's userinfo).
func checkStatus(dep *dependency, response *http.Response) error {
	if response.StatusCode == http.StatusOK {
		return nil
	}
	statusErr := fmt.Errorf("HTTP status %s", strings.TrimSpace(fmt.Sprintf("%d %s", response.StatusCode, http.StatusText(response.StatusCode))))
	if isRetryableStatus(response.StatusCode) {
		fetchErr := retryableNetwork("download", dep.raw, statusErr)
		fetchErr.retryAfter = parseRetryAfter(response.Header.Get("Retry-After"), time.Now())
		return fetchErr
	}
	return newError(ExitNetwork, "download", dep.raw, statusErr)
}

// checkDeclaredSize rejects a Content-Length over the limits before reading.
func (f *fetcher) checkDeclaredSize(dep *dependency, contentLength int64) error {
	if contentLength < 0 {
		return nil
	}
	if contentLength > f.job.MaxFileBytes {
		return newError(ExitSizeLimit, "download", dep.raw,
			fmt.Errorf("Content-Length %d exceeds the %d byte per-file limit", contentLength, f.job.MaxFileBytes))
	}
	if f.totalBytes.Load()+contentLength > f.job.MaxTotalBytes {
		return newError(ExitSizeLimit, "download", dep.raw,
			fmt.Errorf("Content-Length %d would exceed the %d byte total limit", contentLength, f.job.MaxTotalBytes))
	}
	return nil
}

// classifyTransferError turns a transport or body-read error into an *Error.
// ctx is the per-file context, attemptCtx the attempt's (stall) context.
func classifyTransferError(ctx, attemptCtx context.Context, dep *dependency, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // its message would repeat the unredacted URL
	}
	if ctx.Err() != nil {
		return newError(ExitNetwork, "download", dep.raw, context.Cause(ctx))
	}
	if refused(err) {
		return newError(ExitNetwork, "download", dep.raw, err)
	}
	if cause := context.Cause(attemptCtx); errors.Is(cause, errStalled) {
		return retryableNetwork("download", dep.raw, cause)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return newError(ExitNetwork, "download", dep.raw, err)
	}
	return retryableNetwork("download", dep.raw, err)
}
