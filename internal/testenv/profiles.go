package testenv

import (
	"context"
	"errors"

	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// WatchProfiles starts the cache of InjectionProfiles that `webhook serve`
// keeps (profiles.NewCache) until ctx ends, and waits until it has read
// them.
func (e *Env) WatchProfiles(ctx context.Context) (cache.Cache, error) {
	c, err := profiles.NewCache(ctx, e.Env.Config)
	if err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, errors.New("the InjectionProfile cache did not sync")
	}
	return c, nil
}
