package webhook

import (
	"context"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// ProfilePath is where InjectionProfiles are validated.
const ProfilePath = "/validate-v1alpha1-injectionprofile"

// NewProfileValidator is the validating webhook of InjectionProfiles: a
// profile that is created or updated is checked as every pod it selects
// will be (profiles.Validate), and refused with every problem at once,
// each naming the key, the value and what is valid. Profiles are rare and
// small, so it is controller-runtime's admission webhook, which decodes
// the whole review.
func NewProfileValidator(opts inject.Options) http.Handler {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		panic(err) // registering two known types cannot fail
	}
	return &admission.Webhook{Handler: &profileValidator{decoder: admission.NewDecoder(scheme), opts: opts}}
}

type profileValidator struct {
	decoder admission.Decoder
	opts    inject.Options
}

func (v *profileValidator) Handle(_ context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return admission.Allowed("")
	}
	var p v1alpha1.InjectionProfile
	if err := v.decoder.Decode(req, &p); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	warnings, errs := profiles.Validate(&p, v.opts)
	if len(errs) == 0 {
		return admission.Allowed("").WithWarnings(warnings...)
	}
	causes := make([]metav1.StatusCause, 0, len(errs))
	for _, e := range errs {
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field})
	}
	return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed:  false,
		Warnings: warnings,
		Result: &metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusUnprocessableEntity, Reason: metav1.StatusReasonInvalid,
			Message: "InjectionProfile " + p.Namespace + "/" + p.Name + " is invalid: " + errs.ToAggregate().Error(),
			Details: &metav1.StatusDetails{Group: v1alpha1.GroupVersion.Group, Kind: "InjectionProfile", Name: p.Name, Causes: causes},
		},
	}}
}
