package profiles

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
)

// The sources of profiles the webhook reads from (webhook.ProfileSource).

// Cached reads the InjectionProfiles of a namespace from a reader that
// keeps them in memory, such as a controller-runtime cache that watches
// them: reading makes no API call.
type Cached struct {
	Reader client.Reader
}

// InjectionProfiles returns the profiles of namespace.
func (c Cached) InjectionProfiles(namespace string) ([]v1alpha1.InjectionProfile, error) {
	var list v1alpha1.InjectionProfileList
	if err := c.Reader.List(context.Background(), &list, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("listing the InjectionProfiles of namespace %s: %w", namespace, err)
	}
	return list.Items, nil
}

// Static is a fixed list of profiles: those `webhook inject --profiles`
// reads, or a test's.
type Static []v1alpha1.InjectionProfile

// InjectionProfiles returns the profiles of namespace.
func (s Static) InjectionProfiles(namespace string) ([]v1alpha1.InjectionProfile, error) {
	var out []v1alpha1.InjectionProfile
	for i := range s {
		if s[i].Namespace == namespace {
			out = append(out, s[i])
		}
	}
	return out, nil
}
