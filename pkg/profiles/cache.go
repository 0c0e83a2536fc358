package profiles

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
)

// NewCache returns a controller-runtime cache that keeps every
// InjectionProfile of the cluster in memory (one informer: list, then
// watch) and nothing else: reading another kind from it fails rather than
// starting a watch. Start it, wait for it to sync, and read it through
// Cached. Its identity needs list and watch on injectionprofiles only.
func NewCache(ctx context.Context, cfg *rest.Config) (cache.Cache, error) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, ReaderFailOnMissingInformer: true})
	if err != nil {
		return nil, fmt.Errorf("creating the InjectionProfile cache: %w", err)
	}
	if _, err := c.GetInformer(ctx, &v1alpha1.InjectionProfile{}); err != nil {
		return nil, fmt.Errorf("watching InjectionProfiles (is the CRD injectionprofiles.stagehand.io installed?): %w", err)
	}
	return c, nil
}
