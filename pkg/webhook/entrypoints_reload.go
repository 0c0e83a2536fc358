package webhook

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// entrypointsPoll is how often the entrypoint map's file is read for
// changes. The kubelet updates a mounted ConfigMap within about a minute;
// reading a small file this often costs nothing.
var entrypointsPoll = 5 * time.Second

// reloading serves every request with the current Handler, which a change
// of the entrypoint map replaces.
type reloading struct{ current atomic.Pointer[Handler] }

func (r *reloading) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.current.Load().ServeHTTP(w, req)
}

// watchEntrypoints reads file every entrypointsPoll until ctx is done. When
// its content changes to a valid map, the handler is replaced by one built
// with it, with a new, empty cache: the cached answers were computed with
// the old map. An invalid map is logged and the old one kept, so that a bad
// edit of the ConfigMap never stops admission.
func watchEntrypoints(ctx context.Context, file string, last []byte, r *reloading, build func(inject.Entrypoints) *Handler) {
	logger := log.FromContext(ctx)
	ticker := time.NewTicker(entrypointsPoll)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		data, err := os.ReadFile(file)
		if err != nil || bytes.Equal(data, last) {
			continue // a ConfigMap update swaps a symlink: a read may miss it once
		}
		m, err := config.ParseEntrypoints(data)
		if err != nil {
			logger.Error(err, "the entrypoint map changed but is invalid; the previous one stays in force", "file", file)
			last = data
			continue
		}
		last = data
		r.current.Store(build(m))
		logger.Info("entrypoint map reloaded", "file", file, "images", len(m))
	}
}
