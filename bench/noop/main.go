package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"gomodules.xyz/jsonpatch/v2"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// PatchSuffix, after the webhook's path, is where it answers with a patch
// of one operation (mutate) rather than none.
const PatchSuffix = "-patch"

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

// mutate admits every request with a patch of one operation, which adds an
// annotation to the pod: the floor of a webhook that changes the pod at
// all, for which the API server applies a patch and runs its mutating
// admission a second time.
func mutate(context.Context, admission.Request) admission.Response {
	return admission.Patched("", jsonpatch.JsonPatchOperation{Operation: "add", Path: "/metadata/annotations/bench.stagehand.io~1mutated", Value: "true"})
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
	srv.Register(*path+PatchSuffix, &admission.Webhook{Handler: admission.HandlerFunc(mutate)})
	if err := srv.Start(ctx); err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}
