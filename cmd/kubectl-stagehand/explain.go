package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stagehand-k8s/stagehand/pkg/explanation"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// podResources are the names of pods kubectl accepts.
var podResources = []string{"pod", "pods", "po"}

// newExplain is `kubectl stagehand explain`.
func newExplain(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "explain (pod NAME | -f FILE|-)",
		Short: "Say why a pod was, or would be, injected or not, step by step",
		Long: `Say why a pod of the cluster was injected or not, or why the pods and pod templates of a manifest
would be, step by step, each step on a line marked ✓ (lets it be injected), ✗ (keeps it from being
injected, or denies it), ! (a warning) or - (neither), with the fix where there is one:
its namespace's labels against the webhook configuration's selectors, the entry its match
conditions reach, the InjectionProfiles that select it, its own stagehand.io/ keys (values
redacted), for a pod of the cluster its stagehand.io/status against injecting it again with the
live settings and stagehand's Events on its controller, the warnings and denial injection gives
now, and a verdict.

Without a reachable cluster, explain -f uses the settings manifests/ ships and says so on stderr.`,
		Example: `  kubectl stagehand explain pod spark-pi-exec-1 -n spark
  kubectl stagehand explain -f manifests/examples/spark-executor.yaml
  kubectl get deployment web -o yaml | kubectl stagehand explain -f -`,
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case file != "" && len(args) > 0:
				return errors.New("explain: give pod NAME or -f FILE, not both")
			case file == "" && (len(args) != 2 || !slices.Contains(podResources, args[0])):
				return errors.New("explain: want pod NAME, or -f FILE (- for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			if file != "" {
				var err error
				if data, err = readManifest(g.stdin, file); err != nil {
					return fmt.Errorf("explain: %w", err)
				}
			}
			l, err := g.connect(cmd.Context())
			if err != nil {
				return fmt.Errorf("explain: %w", err)
			}
			if file == "" && l.reader == nil {
				return fmt.Errorf("explain pod: no cluster reachable (%s); explain -f explains a manifest without one", l.unreachable)
			}
			l.notes(g.stderr)
			if file != "" {
				return explainManifest(cmd.Context(), l, data, g.stdout)
			}
			return explainPod(cmd.Context(), l, args[1], g.stdout, g.stderr)
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "manifest whose pods and pod templates to explain, or - for standard input")
	return cmd
}

// explainManifest explains every pod and pod template of the manifest data.
func explainManifest(ctx context.Context, l *live, data []byte, w io.Writer) error {
	pods, err := offline.Pods(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if len(pods) == 0 {
		return errors.New("explain: the manifest has no pod and no workload with a pod template")
	}
	var b strings.Builder
	b.WriteString(l.summary() + "\n")
	ctxs := namespaces{}
	for _, p := range pods {
		ns := l.namespaceOf(p.Namespace)
		nc, err := ctxs.of(ctx, l, ns)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		object := p.Object
		if p.Template != "" {
			object += " (its pod template, " + p.Template + ")"
		}
		in := l.input(explanation.Pod{Object: object, Namespace: ns, JSON: p.JSON, Misplaced: p.Misplaced}, nc)
		e, err := explanation.Explain(in)
		if err != nil {
			return fmt.Errorf("explain: %w", err)
		}
		b.WriteString("\n")
		if err := e.Write(&b); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// input is the explanation's input for pod, with l's settings and what nc
// read of its namespace.
func (l *live) input(pod explanation.Pod, nc *namespaceContext) *explanation.Input {
	return &explanation.Input{
		Pod: pod, Cluster: l.reader != nil, Namespace: nc.namespace, Webhooks: l.settings.Webhooks,
		NamespaceUnread: nc.namespaceUnread, ProfilesUnread: nc.profilesUnread,
		Options: l.settings.Injection.InjectOptions(), Profiles: nc.profiles, Now: time.Now(),
	}
}
