package webhook

import (
	"context"
	"fmt"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
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
