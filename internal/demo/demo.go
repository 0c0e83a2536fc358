package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// Namespace is the examples' namespace (manifests/examples/profiles).
const Namespace = "hivemr3-demo"

// Options say where the demo finds the cluster and what `make demo` built.
type Options struct {
	// Root is the repository root: manifests/, certs/, hack/cluster.
	Root string
	// Kubeconfig is the admin's kubeconfig of the local node's cluster
	// (`make cluster-up`).
	Kubeconfig string
	// Bin holds the static webhook and agent binaries (`make build`);
	// Root/bin when empty.
	Bin string
	// Out receives the demo's narration.
	Out io.Writer
	// Timeout bounds the whole demo.
	Timeout time.Duration
	// Cleanup deletes the examples' namespace at the end, for a cluster
	// that stays up (the demo's test in `make test`). `make demo` takes the
	// whole cluster down instead, or keeps all of it (KEEP_CLUSTER=1).
	Cleanup bool
}

// Run runs the demo on the node's cluster. It holds the node (nodeenv.Lock)
// while it runs and returns when every example pod has got where it can,
// within opts.Timeout, or at cancellation (Ctrl-C).
func Run(ctx context.Context, opts Options) (err error) {
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	if opts.Bin == "" {
		opts.Bin = filepath.Join(opts.Root, "bin")
	}
	n := &narrator{out: opts.Out, begin: time.Now()}
	unlock, err := nodeenv.Lock(ctx, opts.Kubeconfig, n.line)
	if err != nil {
		return err
	}
	defer unlock()
	tmp, err := os.MkdirTemp("", "stagehand-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	defer func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			err = ctx.Err()
		}
	}()

	n.step("Installing stagehand from manifests/self-signed, as a cluster admin does")
	c, err := nodeenv.Install(ctx, nodeenv.Options{Root: opts.Root, Kubeconfig: opts.Kubeconfig, Bin: opts.Bin, Logf: n.line})
	if err != nil {
		return err
	}
	d, err := newDemo(c, n)
	if err != nil {
		return err
	}
	if err := d.showWebhookPods(ctx); err != nil {
		return err
	}
	if opts.Cleanup {
		defer d.cleanup()
	}

	n.step("Building stand-ins for the examples' images, which cannot be pulled here (no network)")
	if err := importStandIns(ctx, opts, tmp, n); err != nil {
		return err
	}

	n.step("Creating the opted-in namespace and its InjectionProfiles from manifests/examples/profiles")
	if err := d.removeEarlier(ctx); err != nil {
		return err
	}
	if err := d.applyProfiles(ctx, filepath.Join(opts.Root, "manifests", "examples", "profiles")); err != nil {
		return err
	}

	n.step("Starting the artifact server and a Timeline Server stand-in as pods behind Services")
	if err := d.startServices(ctx); err != nil {
		return err
	}

	n.step("Creating the examples from manifests/examples, as a user does")
	if err := d.createExamples(ctx, filepath.Join(opts.Root, "manifests", "examples")); err != nil {
		return err
	}
	if err := d.summarize(ctx); err != nil {
		return err
	}

	n.step("What the kubelet reports")
	if err := d.watch(ctx); err != nil {
		return err
	}

	n.step("What the Timeline Server stand-in received")
	if err := d.showTimeline(ctx); err != nil {
		return err
	}
	n.done("all done in %v", time.Since(n.begin).Round(time.Second))
	return nil
}

// narrator prints the demo's steps.
type narrator struct {
	out   io.Writer
	count int
	begin time.Time
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

// warningPrinter prints the API server's warnings, stagehand's admission
// warnings among them.
type warningPrinter struct{ n *narrator }

func (w warningPrinter) HandleWarningHeader(_ int, _ string, text string) {
	w.n.line("warning: %s", text)
}
