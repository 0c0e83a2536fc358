package manifests

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// The strip webhook: another mutating webhook, called after stagehand's
// (configurations are called in name order), that undoes part of
// stagehand's injection in the pods labelled stripLabel, in the namespaces
// labelled stripNamespaceLabel. Like stagehand's, it asks to be reinvoked,
// so it undoes stagehand's repair on reinvocation too, and the pod reaches
// validation without what stagehand injected: what the guard is for.
const (
	stripPath           = "/mutate-strip"
	stripName           = "zz-strip"
	stripLabel          = "stagehand-test.example.com/strip"
	stripNamespaceLabel = "stagehand-test.example.com/strip-webhook"
)

// stripMode is what the strip webhook undoes.
type stripMode string

const (
	// stripInit removes stagehand's init container.
	stripInit stripMode = "init"
	// stripATSLiteral replaces ATS_SECRET_KEY's valueFrom with a value.
	stripATSLiteral stripMode = "ats-literal"
	// stripUnwrap replaces the wrapped command.
	stripUnwrap stripMode = "unwrap"
	// stripTokenVolume removes the volume stagehand-token and its mounts.
	stripTokenVolume stripMode = "token-volume"
	// stripATSEnv removes ATS_SECRET_KEY.
	stripATSEnv stripMode = "ats-env"
	// stripAgentPart removes the part "agent" from stagehand.io/status.
	stripAgentPart stripMode = "agent-part"
)

// leakedKey is the literal value stripATSLiteral writes.
const leakedKey = "leaked-ats-secret-key"

// stripNamespaceLabels opt a namespace in to stagehand and the strip webhook.
func stripNamespaceLabels() map[string]string {
	labels := maps.Clone(optedIn)
	labels[stripNamespaceLabel] = "true"
	return labels
}

func strip(_ context.Context, req admission.Request) admission.Response {
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	var ops []jsonpatch.Operation
	switch mode := stripMode(pod.Labels[stripLabel]); mode {
	case stripInit:
		for i, c := range pod.Spec.InitContainers {
			if c.Name == inject.InitContainer {
				ops = append(ops, jsonpatch.Operation{Operation: "remove", Path: "/spec/initContainers/" + strconv.Itoa(i)})
				break
			}
		}
	case stripATSLiteral:
		for i, c := range pod.Spec.Containers {
			for j, e := range c.Env {
				if e.Name == inject.ATSSecretKeyEnv && e.ValueFrom != nil {
					ops = append(ops, jsonpatch.Operation{Operation: "replace",
						Path:  "/spec/containers/" + strconv.Itoa(i) + "/env/" + strconv.Itoa(j),
						Value: corev1.EnvVar{Name: e.Name, Value: leakedKey}})
				}
			}
		}
	case stripUnwrap:
		for i, c := range pod.Spec.Containers {
			if len(c.Command) > 0 && c.Command[0] == inject.AgentBinary {
				ops = append(ops, jsonpatch.Operation{Operation: "replace",
					Path: "/spec/containers/" + strconv.Itoa(i) + "/command", Value: []string{"/bin/true"}})
			}
		}
	case stripTokenVolume, stripATSEnv:
		ops = stripNamed(&pod, mode)
	case stripAgentPart:
		status, ok := inject.ParseStatus(pod.Annotations[annotations.Status])
		if i := slices.Index(status.Parts, inject.PartAgent); ok && i >= 0 {
			status.Parts = slices.Delete(status.Parts, i, i+1)
			b, err := json.Marshal(status)
			if err != nil {
				return admission.Errored(http.StatusInternalServerError, err)
			}
			ops = append(ops, jsonpatch.Operation{Operation: "replace",
				Path: "/metadata/annotations/" + strings.ReplaceAll(annotations.Status, "/", "~1"), Value: string(b)})
		}
	}
	return admission.Patched("", ops...)
}

// stripNamed removes the token volume with its mounts, or ATS_SECRET_KEY,
// from back to front so that the indices stay valid.
func stripNamed(pod *corev1.Pod, mode stripMode) []jsonpatch.Operation {
	var ops []jsonpatch.Operation
	remove := func(path string, i int) {
		ops = append(ops, jsonpatch.Operation{Operation: "remove", Path: path + "/" + strconv.Itoa(i)})
	}
	for i, c := range pod.Spec.Containers {
		base := "/spec/containers/" + strconv.Itoa(i)
		if mode == stripTokenVolume {
			for j := len(c.VolumeMounts) - 1; j >= 0; j-- {
				if c.VolumeMounts[j].Name == inject.TokenVolume {
					remove(base+"/volumeMounts", j)
				}
			}
			continue
		}
		for j := len(c.Env) - 1; j >= 0; j-- {
			if c.Env[j].Name == inject.ATSSecretKeyEnv {
				remove(base+"/env", j)
			}
		}
	}
	if mode == stripTokenVolume {
		for i := len(pod.Spec.Volumes) - 1; i >= 0; i-- {
			if pod.Spec.Volumes[i].Name == inject.TokenVolume {
				remove("/spec/volumes", i)
			}
		}
	}
	return ops
}

// stripConfiguration registers the strip webhook.
func (s *suite) stripConfiguration() *admissionregistrationv1.MutatingWebhookConfiguration {
	url := s.URL + stripPath
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: stripName},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:         "pods.strip.example.com",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: s.CABundle},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"},
					Resources: []string{"pods"}, Scope: ptr.To(admissionregistrationv1.NamespacedScope)},
			}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{stripNamespaceLabel: "true"}},
			ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: stripLabel, Operator: metav1.LabelSelectorOpExists},
			}},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr.To[int32](5),
			ReinvocationPolicy:      ptr.To(admissionregistrationv1.IfNeededReinvocationPolicy),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}
