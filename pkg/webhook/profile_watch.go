package webhook

import (
	"context"
	"sync/atomic"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// profileWatch keeps every InjectionProfile of the cluster in memory with
// controller-runtime's cache (one informer: list, then watch). It reads
// nothing else: its ServiceAccount needs list and watch on injectionprofiles
// only.
type profileWatch struct {
	cache  cache.Cache
	synced atomic.Bool
}

// newProfileWatch prepares the watch; run starts it.
func newProfileWatch(ctx context.Context, cfg *rest.Config) (*profileWatch, error) {
	c, err := profiles.NewCache(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &profileWatch{cache: c}, nil
}

// run watches until ctx is done. The webhook is ready once the first list
// has been read.
func (w *profileWatch) run(ctx context.Context) error {
	go func() {
		if w.cache.WaitForCacheSync(ctx) {
			w.synced.Store(true)
			log.FromContext(ctx).Info("InjectionProfiles read; profiles apply")
		}
	}()
	return w.cache.Start(ctx)
}

// source is what the handler reads profiles from: an error until synced.
func (w *profileWatch) source() ProfileSource {
	return readySource{source: profiles.Cached{Reader: w.cache}, synced: w.synced.Load}
}

// ready is the readiness check of the watch.
func (w *profileWatch) ready() check { return profilesReady(w.synced.Load) }
