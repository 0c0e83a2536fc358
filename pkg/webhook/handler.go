package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// Path is where the mutating webhook is served.
const Path = "/mutate-v1-pod"

// Verbosity levels of the webhook's logs.
const (
	// LevelDebug logs every admitted pod.
	LevelDebug = 1
	// LevelTrace logs the patch of every admitted pod.
	LevelTrace = 2
)

// Handler admits Pods through package inject. It is the http.Handler of
// the webhook: it reads each AdmissionReview in one pass, fingerprinting the
// part of the Pod that injection reads, and writes its answer directly.
type Handler struct {
	Injector *inject.Injector
	// Cache, if not nil, keeps the answers of recent pods by fingerprint:
	// the pods of one MR3 DAG or Spark job differ in names and arguments,
	// not in what injection reads, and are injected once.
	Cache *Cache
}

var _ http.Handler = (*Handler)(nil)

// maxRequestSize bounds a request body, as controller-runtime's webhooks
// do: the API server's own limit on an object is 3 MiB, so 7 MiB leaves
// room for the envelope and an old object.
const maxRequestSize = 7 << 20

// ServeHTTP answers one AdmissionReview. It makes no API calls.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := getScratch()
	defer s.release()
	var rv review
	a := h.read(r, s, &rv)
	if a.status == nil && rv.wants() {
		a = h.admit(r.Context(), &rv)
	}
	a.write(w, &rv, s)
}

// read reads the review; an answer with a status if it cannot.
func (h *Handler) read(r *http.Request, s *scratch, rv *review) answer {
	logger := log.FromContext(r.Context())
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return unreadable(logger, fmt.Errorf("%w: content type %q, want application/json", errNotReview, ct))
	}
	if n := r.ContentLength; n > 0 && n <= maxRequestSize {
		s.body.Grow(int(n) + bytes.MinRead)
	}
	if _, err := s.body.ReadFrom(io.LimitReader(r.Body, maxRequestSize+1)); err != nil {
		return unreadable(logger, fmt.Errorf("reading the request: %w", err))
	}
	if s.body.Len() > maxRequestSize {
		return unreadable(logger, fmt.Errorf("request is larger than %d bytes", maxRequestSize))
	}
	var err error
	*rv, err = decodeReview(&s.body, s.key)
	s.key = rv.key
	if err != nil {
		return unreadable(logger, err)
	}
	return answer{}
}

// unreadable answers a request that is not a review stagehand can read.
func unreadable(logger logr.Logger, err error) answer {
	admissionTotal.WithLabelValues(resultError, reasonUndecodable).Inc()
	logger.Info("unreadable admission request", "error", err.Error())
	return errored(http.StatusBadRequest, err)
}

// admit answers a CREATE or UPDATE from the cache, or by injecting its pod.
func (h *Handler) admit(ctx context.Context, rv *review) answer {
	logger := log.FromContext(ctx)
	if rv.object == nil {
		return unreadable(logger, fmt.Errorf("%w: the %s request has no object", errUndecodable, rv.operation))
	}
	a, cached := h.Cache.get(rv.key)
	if !cached {
		a = h.inject(logger, rv)
	}
	if a.status != nil {
		return a
	}
	admissionTotal.WithLabelValues(resultAllowed, string(a.outcome)).Inc()
	if debug := logger.V(LevelDebug); debug.Enabled() {
		debug.Info("admitted pod", "uid", rv.uid, "outcome", a.outcome, "cached", cached, "warnings", len(a.warnings))
	}
	if !cached {
		h.Cache.add(rv.key, a)
	}
	return a
}

// inject decodes the pod and injects it.
func (h *Handler) inject(logger logr.Logger, rv *review) answer {
	pod, err := decodePod(rv.object, rv.ours)
	if err != nil {
		return unreadable(logger.WithValues("uid", rv.uid), err)
	}
	res, err := h.Injector.Inject(pod)
	if err != nil {
		return failed(logger.WithValues("uid", rv.uid), err, res.Warnings)
	}
	if trace := logger.V(LevelTrace); trace.Enabled() {
		trace.Info("patch", "uid", rv.uid, "operations", patchSummary(res.Patch))
	}
	return patched(res)
}

// patched answers an admitted pod. The patch is marshalled and encoded
// once, here.
func patched(res inject.Result) answer {
	a := answer{outcome: res.Outcome, warnings: res.Warnings}
	if len(res.Patch) == 0 {
		return a
	}
	patch, err := json.Marshal(res.Patch)
	if err != nil {
		admissionTotal.WithLabelValues(resultError, "internal").Inc()
		return errored(http.StatusInternalServerError, fmt.Errorf("encoding the patch: %w", err))
	}
	a.patch64 = base64.StdEncoding.AppendEncode(nil, patch)
	return a
}

// patchSummary lists each operation as "op path", without values: values
// may carry the dependency URIs the user wrote, credentials included.
func patchSummary(ops []inject.Operation) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = op.Operation + " " + op.Path
	}
	return out
}

// failed answers a pod that was not injected: a denial of the user's input,
// or an internal error.
func failed(logger logr.Logger, err error, warnings []string) answer {
	var denied *inject.Denied
	if errors.As(err, &denied) {
		admissionTotal.WithLabelValues(resultDenied, denied.Reason).Inc()
		logger.Info("denied pod", "reason", denied.Reason, "errors", len(denied.Errors), "message", denied.Error())
		return deny(denied, warnings)
	}
	admissionTotal.WithLabelValues(resultError, "internal").Inc()
	logger.Error(err, "injecting pod")
	return errored(http.StatusInternalServerError, err)
}

// deny builds an Invalid status with one cause per problem, as the API
// server does for its own validation errors.
func deny(d *inject.Denied, warnings []string) answer {
	causes := make([]metav1.StatusCause, 0, len(d.Errors))
	for _, e := range d.Errors {
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field})
	}
	return answer{warnings: warnings, status: &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnprocessableEntity, Reason: metav1.StatusReasonInvalid,
		Message: d.Error(), Details: &metav1.StatusDetails{Kind: "Pod", Causes: causes},
	}}
}
