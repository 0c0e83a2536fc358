package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/stagehand-k8s/stagehand/internal/demo"
	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", os.Getenv(nodeenv.KubeconfigEnv), "admin `kubeconfig` of the local node's cluster (make cluster-up); default $"+nodeenv.KubeconfigEnv+", which hack/with-node.sh sets")
	bin := flag.String("bin", "bin", "directory of the built webhook and agent")
	timeout := flag.Duration("timeout", 8*time.Minute, "time limit of the demo")
	cleanup := flag.Bool("cleanup", false, "delete the examples' namespace at the end")
	flag.Parse()
	// The controller-runtime client logs through its global logger, which
	// otherwise complains, with a stack trace, that it was never set.
	ctrllog.SetLogger(logr.Discard())
	if *kubeconfig == "" {
		return fmt.Errorf("no kubeconfig: run through `make demo`, or `make build images cluster-up` and --kubeconfig /tmp/stagehand-cluster/kubeconfig")
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	return demo.Run(ctx, demo.Options{
		Root: root, Kubeconfig: abs(*kubeconfig), Bin: abs(*bin), Out: os.Stdout, Timeout: *timeout, Cleanup: *cleanup,
	})
}
