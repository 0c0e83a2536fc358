package webhook

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// podView is the part of a Pod that injection reads. Decoding only these
// fields, instead of the whole Pod, keeps admission cheap on large pods:
// probes, resources, ports and the like are skipped by the decoder.
//
// The injector never serializes the pod's own elements: its patch only
// carries elements stagehand owns, whose content it builds itself. The
// golden tests send every case through this decoder and compare the result
// with the offline injector, which decodes whole objects, so a field that an
// injector starts to read but this view lacks fails them.
type podView struct {
	Metadata struct {
		Name         string            `json:"name"`
		GenerateName string            `json:"generateName"`
		Namespace    string            `json:"namespace"`
		Annotations  map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		AutomountServiceAccountToken  *bool  `json:"automountServiceAccountToken"`
		TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds"`
		SecurityContext               *struct {
			FSGroup *int64 `json:"fsGroup"`
		} `json:"securityContext"`
		// Volumes and init containers are decoded whole: stagehand's own
		// are among them, and re-injection compares them in full.
		Volumes        []corev1.Volume    `json:"volumes"`
		InitContainers []corev1.Container `json:"initContainers"`
		Containers     []containerView    `json:"containers"`
	} `json:"spec"`
}

// containerView is the part of an app container that injection reads.
type containerView struct {
	Name         string               `json:"name"`
	Image        string               `json:"image"`
	Command      []string             `json:"command"`
	Env          []envView            `json:"env"`
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts"`
}

// envView is an env var whose value is kept as raw JSON: injection compares
// the values of its own env vars only, so the pod's own values, often
// hundreds on a Spark or MR3 pod, are never decoded into strings.
type envView struct {
	Name      string               `json:"name"`
	Value     rawString            `json:"value"`
	ValueFrom *corev1.EnvVarSource `json:"valueFrom"`
}

// rawString keeps a JSON string undecoded. It aliases the request body,
// which outlives the decoded pod.
type rawString []byte

// UnmarshalJSON keeps data as it is; the decoder checked its syntax.
func (r *rawString) UnmarshalJSON(data []byte) error {
	*r = data
	return nil
}

// envVar converts the view; the value is decoded only for the env vars
// stagehand injects.
func (v *envView) envVar() (corev1.EnvVar, error) {
	e := corev1.EnvVar{Name: v.Name, ValueFrom: v.ValueFrom}
	if len(v.Value) == 0 || !inject.InjectsEnv(v.Name) {
		return e, nil
	}
	value, err := decodeString(v.Value)
	if err != nil {
		return e, fmt.Errorf("env %s: %w", v.Name, err)
	}
	e.Value = value
	return e, nil
}

// decodeString decodes one JSON string. A function of its own, so that only
// the injected env vars that reach it pay for the decoding.
func decodeString(data []byte) (string, error) {
	var s string
	err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, &s)
	return s, err
}

// decodePod decodes the fields of a Pod that injection reads. Field names
// match case-sensitively, as the API server's own decoder does: the patch
// addresses fields by their exact names, so "Metadata" must not be read as
// "metadata".
func decodePod(raw []byte) (*corev1.Pod, error) {
	var v podView
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &v); err != nil {
		return nil, err
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: v.Metadata.Name, GenerateName: v.Metadata.GenerateName,
			Namespace: v.Metadata.Namespace, Annotations: v.Metadata.Annotations,
		},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken:  v.Spec.AutomountServiceAccountToken,
			TerminationGracePeriodSeconds: v.Spec.TerminationGracePeriodSeconds,
			Volumes:                       v.Spec.Volumes,
			InitContainers:                v.Spec.InitContainers,
			Containers:                    make([]corev1.Container, len(v.Spec.Containers)),
		},
	}
	if sc := v.Spec.SecurityContext; sc != nil {
		pod.Spec.SecurityContext = &corev1.PodSecurityContext{FSGroup: sc.FSGroup}
	}
	for i, c := range v.Spec.Containers {
		pod.Spec.Containers[i] = corev1.Container{Name: c.Name, Image: c.Image, Command: c.Command, VolumeMounts: c.VolumeMounts}
		if c.Env == nil {
			continue
		}
		env := make([]corev1.EnvVar, len(c.Env))
		for j := range c.Env {
			var err error
			if env[j], err = c.Env[j].envVar(); err != nil {
				return nil, fmt.Errorf("spec.containers[%d]: %w", i, err)
			}
		}
		pod.Spec.Containers[i].Env = env
	}
	return pod, nil
}
