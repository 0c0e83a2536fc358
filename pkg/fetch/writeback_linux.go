package fetch

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing the given range of file
// to disk now, without waiting: the fsync before the rename then finds most
// of a large download already written instead of writing all of it while
// the download waits. It is only a hint and changes no guarantee: errors
// are ignored here and reported by that fsync (SYNC_FILE_RANGE_WRITE alone
// does not consume writeback errors).
func startWriteback(file *os.File, offset, length int64) {
	_ = unix.SyncFileRange(int(file.Fd()), offset, length, unix.SYNC_FILE_RANGE_WRITE)
}
