package supervise

import (
	"github.com/stagehand-k8s/stagehand/pkg/fetch"
)

// checkFetchManifest is the default manifest check: the manifest written
// last by `agent fetch` must exist and decode (fetch.ReadManifest also
// checks its format version).
func checkFetchManifest(path string) error {
	_, err := fetch.ReadManifest(path)
	return err
}
