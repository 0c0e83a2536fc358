package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InjectionProfile gives the pods it selects, in its own namespace, the
// stagehand.io/ annotations of its spec, as if they carried them: a pod's
// own stagehand.io/ annotations override the profile's key by key. It
// reaches pods that cannot carry annotations, such as the ContainerWorkers
// an MR3 DAGAppMaster creates.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=injprof,categories=stagehand
// +kubebuilder:printcolumn:name="Selector",type=string,JSONPath=`.spec.selector`,priority=1
// +kubebuilder:printcolumn:name="Generation",type=integer,JSONPath=`.metadata.generation`,description="the generation that stagehand.io/status records of the pods injected since"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type InjectionProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says which pods the profile selects and what it gives them.
	// +required
	Spec InjectionProfileSpec `json:"spec"`
}

// InjectionProfileSpec says which pods a profile selects and what it gives
// them.
type InjectionProfileSpec struct {
	// Selector selects pods of the profile's namespace by their labels; {}
	// selects every pod.
	// +required
	Selector metav1.LabelSelector `json:"selector"`

	// Annotations are stagehand.io/ annotations, exactly as a pod may carry
	// them, validated by the same registry (docs/annotations.md); an
	// unknown key is an error. Values may be longer than a pod
	// annotation's (a long list of jars belongs here).
	// +required
	// +kubebuilder:validation:MinProperties=1
	// +kubebuilder:validation:MaxProperties=64
	Annotations map[string]string `json:"annotations"`
}

// InjectionProfileList is a list of InjectionProfiles.
//
// +kubebuilder:object:root=true
type InjectionProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []InjectionProfile `json:"items"`
}
