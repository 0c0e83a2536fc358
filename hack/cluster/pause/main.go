// Command pause is the local cluster's sandbox ("pause") container: it holds
// a pod's namespaces open, reaps the orphans that a pod sharing its process
// namespace leaves to it as PID 1, and exits on SIGINT or SIGTERM.
//
// It replaces registry.k8s.io/pause, which cannot be pulled here; up.sh builds
// it statically and packages it with hack/images.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		// One SIGCHLD can stand for several exited children.
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
