package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion is the group and version of this package's types.
var GroupVersion = schema.GroupVersion{Group: "stagehand.io", Version: "v1alpha1"}

// Resource is the resource of InjectionProfiles.
var Resource = GroupVersion.WithResource("injectionprofiles")

// AddToScheme adds this package's types to a scheme.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &InjectionProfile{}, &InjectionProfileList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
