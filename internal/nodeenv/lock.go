package nodeenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// LockTimeout bounds the wait for the node in Lock: longer than the suites
// that hold it take (test/node, the demo's test).
const LockTimeout = 15 * time.Minute

// Lock takes the node for the caller alone: an exclusive flock(2) on the
// kubeconfig file itself (which nothing else locks, and which exists
// exactly while the cluster does), so that two suites in one `make test`
// (`go test ./...` runs packages in parallel) do not install, scale or
// restart stagehand under each other. It waits, within LockTimeout and
// ctx, while another process holds it; holders report in logf. The lock
// goes with the process; unlock releases it sooner.
func Lock(ctx context.Context, kubeconfig string, logf func(format string, args ...any)) (unlock func(), err error) {
	f, err := os.Open(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("locking the node: %w", err)
	}
	try := func() (bool, error) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil
		}
		return err == nil, err
	}
	ok, err := try()
	if !ok && err == nil {
		if logf != nil {
			logf("waiting for another suite to release the node (flock on %s)", kubeconfig)
		}
		err = wait.PollUntilContextTimeout(ctx, time.Second, LockTimeout, true, func(context.Context) (bool, error) { return try() })
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the node (flock on %s): %w", kubeconfig, err)
	}
	return func() { f.Close() }, nil
}
