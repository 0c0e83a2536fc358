package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// Options say where the demo finds what `make demo` built.
type Options struct {
	// Root is the repository root, holding manifests/.
	Root string
	// WebhookBinary and AgentBinary are the built binaries.
	WebhookBinary, AgentBinary string
	// EnvtestAssets holds kube-apiserver and etcd.
	EnvtestAssets string
	// LogDir receives the webhook's log, kept after the demo.
	LogDir string
	// CertDir holds tls.crt, tls.key and ca.crt made by hack/certs, as
	// `make certs` makes certs/, with 127.0.0.1 among the serving
	// certificate's names: certs/demo for `make demo`.
	CertDir string
	// Out receives the demo's narration.
	Out io.Writer
	// Timeout bounds the whole demo.
	Timeout time.Duration
}

// Run runs the demo, cleaning up everything it started on every path,
// including cancellation (Ctrl-C).
func Run(ctx context.Context, opts Options) (err error) {
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	work, err := os.MkdirTemp("", "stagehand-demo-")
	if err != nil {
		return err
	}
	n := &narrator{out: opts.Out}
	var cleanups []func()
	defer func() {
		n.step("Tearing down")
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
		_ = os.RemoveAll(work)
		n.done("nothing left running")
		if errors.Is(ctx.Err(), context.Canceled) {
			err = ctx.Err()
		}
	}()

	baseDir := filepath.Join(opts.Root, "manifests", "base")
	n.step("Starting a local kube-apiserver and etcd, with the InjectionProfile CRD of manifests/base")
	cluster, stop, err := startCluster(opts.EnvtestAssets, filepath.Join(baseDir, "crd"), n)
	if err != nil {
		return err
	}
	cleanups = append(cleanups, stop)
	n.done("API server at %s", cluster.cfg.Host)
	base, err := overlay.Build(baseDir)
	if err != nil {
		return err
	}

	n.step("Starting `webhook serve` with the demo's certificates for 127.0.0.1 in %s", opts.CertDir)
	kubeconfig := filepath.Join(work, "webhook.kubeconfig")
	user, err := cluster.webhookIdentity(ctx, base, kubeconfig)
	if err != nil {
		return err
	}
	n.line("it watches InjectionProfiles as %s, with only the RBAC of manifests/base", user)
	hook, stop, err := startWebhook(ctx, opts, base, kubeconfig)
	if err != nil {
		return err
	}
	cleanups = append(cleanups, stop)
	n.done("serving %s, ready once it has read the profiles; logs in %s", hook.url, hook.logPath)

	n.step("Installing the webhook configurations and the guards from manifests/base")
	if err := cluster.installAdmission(ctx, base, hook); err != nil {
		return err
	}
	n.done("the API server now calls stagehand for the pods of opted-in namespaces, and to validate profiles")

	n.step("Creating the opted-in namespace and its InjectionProfiles from manifests/examples/profiles")
	if err := cluster.applyProfiles(ctx, filepath.Join(opts.Root, "manifests", "examples", "profiles"), n); err != nil {
		return err
	}

	n.step("Creating the examples from manifests/examples")
	examples, err := cluster.createExamples(ctx, filepath.Join(opts.Root, "manifests", "examples"), n)
	if err != nil {
		return err
	}
	if err := summarize(ctx, cluster, examples, n); err != nil {
		return err
	}
	n.line("")
	n.line("The Job's pod template is injected when the Job controller creates its pods; this")
	n.line("local API server runs no controllers. See it with: bin/webhook inject -f manifests/examples/job.yaml")

	n.step("Running the injected MR3 worker pod locally, as the kubelet would")
	return runWorker(ctx, cluster, examples, opts, work, n)
}

// narrator prints the demo's steps.
type narrator struct {
	out   io.Writer
	count int
}

func (n *narrator) step(format string, args ...any) {
	n.count++
	fmt.Fprintf(n.out, "\n==> %d. %s\n", n.count, fmt.Sprintf(format, args...))
}

func (n *narrator) done(format string, args ...any) {
	fmt.Fprintf(n.out, "    ok: %s\n", fmt.Sprintf(format, args...))
}

func (n *narrator) line(format string, args ...any) {
	fmt.Fprintf(n.out, "    %s\n", fmt.Sprintf(format, args...))
}
