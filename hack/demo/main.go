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

	"github.com/stagehand-k8s/stagehand/internal/demo"
	"github.com/stagehand-k8s/stagehand/internal/podrunner"
)

func main() {
	podrunner.MaybeRunInit()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "bin", "directory of the built webhook, agent and envtest assets")
	certDir := flag.String("certs", "certs/demo", "directory of tls.crt, tls.key and ca.crt for 127.0.0.1, made by hack/certs (`make demo`)")
	timeout := flag.Duration("timeout", 5*time.Minute, "time limit of the whole demo")
	flag.Parse()
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
		Root:          root,
		WebhookBinary: abs(filepath.Join(*bin, "webhook")),
		AgentBinary:   abs(filepath.Join(*bin, "agent")),
		EnvtestAssets: abs(filepath.Join(*bin, "envtest")),
		CertDir:       abs(*certDir),
		LogDir:        abs(filepath.Join(*bin, "demo")),
		Out:           os.Stdout,
		Timeout:       *timeout,
	})
}
