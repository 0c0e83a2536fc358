package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "noop:", err)
		os.Exit(1)
	}
}

// allow admits every request without looking at it.
func allow(context.Context, admission.Request) admission.Response {
	return admission.Allowed("")
}

func run(args []string) error {
	fs := flag.NewFlagSet("noop", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 9443, "HTTPS port")
	certDir := fs.String("cert-dir", "", "directory of tls.crt and tls.key")
	path := fs.String("path", "/mutate-v1-pod", "path of the webhook")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parsing flags: %w", err)
	}
	log.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.JSONEncoder()))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := webhook.NewServer(webhook.Options{
		Host: *host, Port: *port, CertDir: *certDir,
		TLSOpts: []func(*tls.Config){func(c *tls.Config) {
			c.MinVersion = tls.VersionTLS12
			c.NextProtos = []string{"http/1.1"}
		}},
	})
	srv.Register(*path, &admission.Webhook{Handler: admission.HandlerFunc(allow)})
	if err := srv.Start(ctx); err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}
