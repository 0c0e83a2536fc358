// Package v1alpha1 is version v1alpha1 of the stagehand.io API group: the
// InjectionProfile, which gives the pods it selects the stagehand.io/
// settings a pod could carry itself (docs/profiles.md).
//
// The CRD in manifests/base and the deep-copy functions are generated from
// these types by controller-gen (`make manifests`); a test fails when they
// drift.
//
// +kubebuilder:object:generate=true
// +groupName=stagehand.io
package v1alpha1
