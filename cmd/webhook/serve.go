package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/version"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// runServe loads the configuration from the environment and args, then
// serves until SIGTERM or SIGINT.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "usage: webhook serve [flags]\n\nflags override STAGEHAND_* environment variables:")
		config.Usage(stdout)
		return nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger := newLogger(cfg, stderr)
	log.SetLogger(logger)
	ctx = log.IntoContext(ctx, logger)

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	// After the first signal, a second one kills the process at once.
	context.AfterFunc(ctx, func() {
		stop()
		logger.Info("signal received, shutting down; signal again to exit at once")
	})

	// client-go's reflector logs through klog: the same structured log.
	klog.SetLogger(logger.WithName("client-go"))

	cluster, err := clusterConfig(cfg)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("starting stagehand webhook", "version", version.String())
	if err := webhook.Serve(ctx, cfg, cluster); err != nil {
		logger.Error(err, "webhook failed")
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// clusterConfig is how the webhook reaches the API server to watch
// InjectionProfiles: STAGEHAND_KUBECONFIG, else $KUBECONFIG, the in-cluster
// configuration or ~/.kube/config, in controller-runtime's order. nil when
// profiles are off: then the webhook makes no API call at all.
func clusterConfig(cfg config.Webhook) (*rest.Config, error) {
	if !cfg.Profiles {
		return nil, nil
	}
	var (
		cluster *rest.Config
		err     error
	)
	if cfg.Kubeconfig != "" {
		cluster, err = clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	} else {
		cluster, err = ctrlconfig.GetConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("InjectionProfiles are on (%s_PROFILES, --profiles) but there is no cluster configuration to watch them with: %w; "+
			"run in a pod with a ServiceAccount token, set %[1]s_KUBECONFIG (--kubeconfig) or KUBECONFIG, "+
			"or set %[1]s_PROFILES=false to serve without profiles", config.Prefix, err)
	}
	cluster.UserAgent = "stagehand-webhook/" + version.Version
	return cluster, nil
}

// newLogger returns controller-runtime's zap logger writing to w, at the
// configured verbosity and format.
func newLogger(cfg config.Webhook, w io.Writer) logr.Logger {
	opts := []zap.Opts{
		zap.WriteTo(w),
		// logr verbosity v is zap level -v.
		zap.Level(zapcore.Level(-verbosity(cfg.LogLevel))),
	}
	if cfg.LogFormat == config.LogText {
		opts = append(opts, zap.ConsoleEncoder())
	} else {
		opts = append(opts, zap.JSONEncoder())
	}
	return zap.New(opts...)
}

// verbosity maps a log level to the logr verbosity package webhook logs at.
func verbosity(l config.LogLevel) int {
	switch l {
	case config.LogDebug:
		return webhook.LevelDebug
	case config.LogTrace:
		return webhook.LevelTrace
	default:
		return 0
	}
}
