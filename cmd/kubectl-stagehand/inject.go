package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/installation"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// newInject is `kubectl stagehand inject`.
func newInject(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "inject -f FILE|-",
		Short: "Inject the pods of a manifest offline, with the cluster's live settings and InjectionProfiles",
		Long: `Inject the pods and pod templates of a manifest as stagehand in the cluster would: with the
settings of its webhook Deployment (agent image, strict mode, allowed dependency hosts, the
entrypoint map of its ConfigMap) and the InjectionProfiles of each object's namespace. Without a
reachable cluster, or where stagehand is not installed, the settings manifests/ ships are used,
and said so on stderr.

The injected manifest goes to stdout, only on success; warnings and denials go to stderr, and a
denial exits 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("inject: -f is required: a file, or - for standard input")
			}
			data, err := readManifest(g.stdin, file)
			if err != nil {
				return fmt.Errorf("inject: %w", err)
			}
			l, err := g.connect(cmd.Context())
			if err != nil {
				return fmt.Errorf("inject: %w", err)
			}
			l.notes(g.stderr)
			return injectManifest(cmd.Context(), l, data, file, g.stdout, g.stderr)
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "manifest to inject, or - for standard input")
	return cmd
}

// injectManifest injects the manifest data (named name) with l's settings
// and profiles into stdout; warnings go to stderr, and on a denial nothing
// goes to stdout.
func injectManifest(ctx context.Context, l *live, data []byte, name string, stdout, stderr io.Writer) error {
	injector := offline.Injector{Injector: inject.New(l.settings.Injection.InjectOptions()), Namespace: l.namespace}
	var err error
	if injector.Profiles, err = l.profilesOf(ctx, data); err != nil {
		return fmt.Errorf("inject: %w", err)
	}
	if err := injector.Run(bytes.NewReader(data), stdout, stderr); err != nil {
		return fmt.Errorf("inject %s: %w", name, err)
	}
	return nil
}

// profilesOf are the live InjectionProfiles of every namespace the pods of
// the manifest data go to; none without a cluster.
func (l *live) profilesOf(ctx context.Context, data []byte) ([]v1alpha1.InjectionProfile, error) {
	if l.reader == nil {
		return nil, nil
	}
	pods, err := offline.Pods(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var all []v1alpha1.InjectionProfile
	for _, p := range pods {
		ns := l.namespaceOf(p.Namespace)
		if seen[ns] {
			continue
		}
		seen[ns] = true
		list, err := installation.Profiles(ctx, l.reader, ns)
		if apierrors.IsForbidden(err) {
			return nil, fmt.Errorf("%w: inject would not apply the profiles the webhook applies", err)
		}
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
	}
	return all, nil
}

// namespaceOf is ns, or the namespace of objects that name none.
func (l *live) namespaceOf(ns string) string {
	if ns == "" {
		return l.namespace
	}
	return ns
}

// maxManifest bounds what -f reads: far more than any manifest.
const maxManifest = 64 << 20

// readManifest reads the file, or standard input for "-".
func readManifest(stdin io.Reader, file string) ([]byte, error) {
	in := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("%s is larger than %d MiB", file, maxManifest>>20)
	}
	return data, nil
}
