package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "profserver:", err)
		os.Exit(1)
	}
}

// run takes --cpuprofile FILE as its first two arguments; the rest are the
// flags of webhook serve.
func run(args []string) error {
	if len(args) < 2 || args[0] != "--cpuprofile" {
		return fmt.Errorf("usage: profserver --cpuprofile FILE [webhook serve flags]")
	}
	out, err := os.Create(args[1])
	if err != nil {
		return fmt.Errorf("creating the profile: %w", err)
	}
	defer out.Close()
	cfg, err := config.Load(args[2:])
	if err != nil {
		return fmt.Errorf("loading the configuration: %w", err)
	}
	// The production logger at info level, as `webhook serve` builds it.
	logger := zap.New(zap.WriteTo(os.Stderr), zap.JSONEncoder())
	log.SetLogger(logger)
	ctx, stop := signal.NotifyContext(log.IntoContext(context.Background(), logger), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := pprof.StartCPUProfile(out); err != nil {
		return fmt.Errorf("starting the profile: %w", err)
	}
	err = webhook.Serve(ctx, cfg, nil) // the benchmark runs without profiles (STAGEHAND_PROFILES=false)
	pprof.StopCPUProfile()
	if err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("writing the profile: %w", err)
	}
	return nil
}
