package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

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

// Handler admits Pods through package inject.
type Handler struct {
	Injector *inject.Injector
}

var _ admission.Handler = (*Handler)(nil)

// Handle injects the pod of one admission request. It makes no API calls.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	logger := log.FromContext(ctx)
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return admission.Allowed("")
	}
	pod, err := decodePod(req.Object.Raw)
	if err != nil {
		admissionTotal.WithLabelValues(resultError, reasonUndecodable).Inc()
		return admission.Errored(http.StatusBadRequest, err)
	}
	if pod.Namespace == "" {
		pod.Namespace = req.Namespace
	}
	res, err := h.Injector.Inject(pod)
	if err != nil {
		return failed(logger, err, res.Warnings)
	}
	admissionTotal.WithLabelValues(resultAllowed, string(res.Outcome)).Inc()
	if debug := logger.V(LevelDebug); debug.Enabled() {
		debug.Info("admitted pod", "outcome", res.Outcome, "operations", len(res.Patch), "warnings", len(res.Warnings))
	}
	if trace := logger.V(LevelTrace); trace.Enabled() {
		trace.Info("patch", "operations", patchSummary(res.Patch))
	}
	return patched(res)
}

// patched answers an admitted pod. The patch is marshalled once, here:
// controller-runtime's Response.Complete would marshal each operation and
// then compact the result again.
func patched(res inject.Result) admission.Response {
	resp := admission.Allowed("")
	resp.Warnings = res.Warnings
	if len(res.Patch) == 0 {
		return resp
	}
	patch, err := json.Marshal(res.Patch)
	if err != nil {
		admissionTotal.WithLabelValues(resultError, "internal").Inc()
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding the patch: %w", err))
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	return resp
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
func failed(logger logr.Logger, err error, warnings []string) admission.Response {
	var denied *inject.Denied
	if errors.As(err, &denied) {
		admissionTotal.WithLabelValues(resultDenied, denied.Reason).Inc()
		logger.Info("denied pod", "reason", denied.Reason, "errors", len(denied.Errors), "message", denied.Error())
		return deny(denied, warnings)
	}
	admissionTotal.WithLabelValues(resultError, "internal").Inc()
	logger.Error(err, "injecting pod")
	return admission.Errored(http.StatusInternalServerError, err)
}

// deny builds an Invalid status with one cause per problem, as the API
// server does for its own validation errors.
func deny(d *inject.Denied, warnings []string) admission.Response {
	causes := make([]metav1.StatusCause, 0, len(d.Errors))
	for _, e := range d.Errors {
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field})
	}
	resp := admission.Denied(d.Error())
	resp.Result.Code = http.StatusUnprocessableEntity
	resp.Result.Reason = metav1.StatusReasonInvalid
	resp.Result.Details = &metav1.StatusDetails{Kind: "Pod", Causes: causes}
	resp.Warnings = warnings
	return resp
}
