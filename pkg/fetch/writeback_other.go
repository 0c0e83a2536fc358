//go:build !linux

package fetch

import "os"

// startWriteback is a no-op where sync_file_range(2) does not exist; the
// fsync before the rename writes the whole download.
func startWriteback(*os.File, int64, int64) {}
