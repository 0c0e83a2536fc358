package webhook

import (
	"errors"
	"fmt"
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
	// LevelDebug logs every admitted pod; one admitted with warnings is
	// logged at info.
	LevelDebug = 1
	// LevelTrace logs the patch of every admitted pod.
	LevelTrace = 2
)

// Handler admits Pods through package inject. It is the http.Handler of
// the webhook: it reads each AdmissionReview's envelope, decodes its Pod
// once into what injection reads of it (inject.Input), and writes its
// answer directly.
type Handler struct {
	Injector *inject.Injector
	// Cache, if not nil, keeps the answers of recent pods by what injection
	// reads of them (see key.go): the pods of one MR3 DAG or Spark job
	// differ in names and arguments, not in that, and are injected once.
	Cache *Cache
	// Profiles, if not nil, gives the InjectionProfiles that may select a
	// pod (docs/profiles.md); the one that does is part of what injection
	// reads, and of the cache key.
	Profiles ProfileSource
	// Events, if not nil, records an Event for each denied pod and each
	// pod admitted with warnings, on the pod's controller.
	Events *Events
}

var _ http.Handler = (*Handler)(nil)

// ServeHTTP answers one AdmissionReview. It makes no API calls. Its work
// stops when the request's deadline passes or its caller goes away.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dl := requestDeadline(r)
	s := getScratch()
	defer s.release()
	res := reservation{budget: requestBudget}
	defer res.release()
	decodingRes := reservation{budget: decodeBudget}
	defer decodingRes.release()
	var rv review
	a := h.read(dl, r, s, &rv, &res)
	if a.status == nil && rv.wants() {
		a = h.admit(dl, &rv, s, &decodingRes)
	}
	a.write(w, &rv, s)
}

// read reads the review's envelope; an answer with a status if it cannot.
func (h *Handler) read(dl deadline, r *http.Request, s *scratch, rv *review, res *reservation) answer {
	logger := log.FromContext(dl.ctx)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return unreadable(logger, fmt.Errorf("%w: content type %q, want application/json", errNotReview, ct))
	}
	if err := readBody(dl, r.Body, r.ContentLength, &s.body, res); err != nil {
		if errors.Is(err, errBusy) {
			return busy(logger, err)
		}
		return unreadable(logger, err)
	}
	var err error
	if *rv, err = decodeReview(s.body.Bytes()); err != nil {
		return unreadable(logger, err)
	}
	return answer{}
}

// busy answers a request that found no room in the budget of large
// requests.
func busy(logger logr.Logger, err error) answer {
	admissionTotal.WithLabelValues(resultError, reasonBusy).Inc()
	logger.Info("large request refused", "error", err.Error())
	return errored(http.StatusServiceUnavailable, err)
}

// abandoned answers a request whose deadline passed, or whose caller went
// away, before it was answered.
func abandoned(logger logr.Logger, err error) answer {
	admissionTotal.WithLabelValues(resultError, reasonTimeout).Inc()
	logger.Info("admission request abandoned", "error", err.Error())
	return errored(http.StatusGatewayTimeout, err)
}

// unreadable answers a request that is not a review stagehand can read.
func unreadable(logger logr.Logger, err error) answer {
	admissionTotal.WithLabelValues(resultError, reasonUndecodable).Inc()
	logger.Info("unreadable admission request", "error", err.Error())
	return errored(http.StatusBadRequest, err)
}

// admit answers a CREATE or UPDATE from the cache, or by injecting its pod.
func (h *Handler) admit(dl deadline, rv *review, s *scratch, res *reservation) answer {
	logger := log.FromContext(dl.ctx)
	if rv.object == nil {
		return unreadable(logger, fmt.Errorf("%w: the %s request has no object", errUndecodable, rv.operation))
	}
	var sel selection
	if h.Profiles != nil {
		// The profile is part of what injection reads: before the key. A
		// pod that neither carries stagehand.io/ annotations nor is
		// selected is answered here, without being decoded.
		var err error
		if sel, err = h.selectProfile(rv); err != nil {
			return unreadable(logger.WithValues(rv.who()...), err)
		}
		if a, done := unselected(logger, rv, sel); done {
			return a
		}
		if sel.err != nil {
			return h.failed(logger, rv, sel.err, nil)
		}
	}
	pod, err := s.decoding.decode(dl, res, rv.object)
	switch {
	case errors.Is(err, errDecodedTooLarge):
		return h.failed(logger, rv, s.decoding.tooLarge(), nil)
	case errors.Is(err, errBusy):
		return busy(logger, err)
	case err != nil && dl.err() != nil:
		return abandoned(logger.WithValues(rv.who()...), err)
	case err != nil:
		return unreadable(logger.WithValues(rv.who()...), err)
	}
	pod.Profile = sel.profile
	key := h.key(s, pod)
	a, cached := h.Cache.get(key)
	if !cached {
		a = h.inject(dl, logger, rv, pod, s)
	}
	if a.status != nil {
		return a
	}
	admissionTotal.WithLabelValues(resultAllowed, string(a.outcome)).Inc()
	switch debug := logger.V(LevelDebug); {
	case len(a.warnings) > 0:
		// Only kubectl users see warnings; a controller's pods are created
		// by the controller, which drops them: the log and an Event keep
		// them.
		pod := rv.pod()
		logger.WithValues(rv.whoOf(&pod)...).Info("admitted pod with warnings", "outcome", a.outcome, "cached", cached, "warnings", a.warnings)
		h.Events.record(rv, &pod, EventWarning, warningsMessage(a.warnings))
	case debug.Enabled():
		debug.WithValues(rv.who()...).Info("admitted pod", "outcome", a.outcome, "cached", cached)
	}
	if !cached {
		h.Cache.add(key, a)
	}
	return a
}

// key is the cache key of pod, in s.key; nil without a cache, which does
// not pay for it, and for a pod whose key cannot be encoded, which is
// answered and not cached.
func (h *Handler) key(s *scratch, pod *inject.Input) []byte {
	if h.Cache == nil {
		return nil
	}
	var err error
	if s.key, err = appendKey(s.key[:0], pod); err != nil {
		return nil
	}
	return s.key
}

// inject injects the pod, checking first that the answer is still wanted.
// The patch is encoded into s.patch. Log lines name the request (its uid,
// namespace and pod); the logger gets them only when it logs.
func (h *Handler) inject(dl deadline, logger logr.Logger, rv *review, pod *inject.Input, s *scratch) answer {
	if err := dl.err(); err != nil {
		return abandoned(logger.WithValues(rv.who()...), err)
	}
	res, err := h.Injector.Inject(pod)
	if err != nil {
		return h.failed(logger, rv, err, res.Warnings)
	}
	if trace := logger.V(LevelTrace); trace.Enabled() {
		trace.WithValues(rv.who()...).Info("patch", "operations", patchSummary(res.Patch))
	}
	a := answer{outcome: res.Outcome, warnings: res.Warnings}
	if len(res.Patch) == 0 {
		return a
	}
	if s.patch, err = s.patcher.encode(dl, s.patch[:0], res.Patch); err != nil {
		if dl.err() != nil {
			return abandoned(logger.WithValues(rv.who()...), err)
		}
		return h.failed(logger, rv, err, res.Warnings)
	}
	a.patch64 = s.patch
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
// or an internal error. Log lines name the request.
func (h *Handler) failed(logger logr.Logger, rv *review, err error, warnings []string) answer {
	pod := rv.pod()
	logger = logger.WithValues(rv.whoOf(&pod)...)
	var denied *inject.Denied
	if errors.As(err, &denied) {
		admissionTotal.WithLabelValues(resultDenied, denied.Reason).Inc()
		logger.Info("denied pod", "reason", denied.Reason, "errors", len(denied.Errors), "message", denied.Error())
		h.Events.record(rv, &pod, EventDenied, denied.Error())
		return deny(denied, warnings, pod.name())
	}
	admissionTotal.WithLabelValues(resultError, "internal").Inc()
	logger.Error(err, "injecting pod")
	return errored(http.StatusInternalServerError, err)
}

// deny builds an Invalid status with one cause per problem, as the API
// server does for its own validation errors, naming the pod (or the prefix
// of its generated name), which kubectl prints: `The Pod "mr3worker-" is
// invalid`.
func deny(d *inject.Denied, warnings []string, pod string) answer {
	causes := make([]metav1.StatusCause, 0, len(d.Errors))
	for _, e := range d.Errors {
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field})
	}
	return answer{warnings: warnings, status: &metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnprocessableEntity, Reason: metav1.StatusReasonInvalid,
		Message: d.Error(), Details: &metav1.StatusDetails{Kind: "Pod", Name: pod, Causes: causes},
	}}
}
