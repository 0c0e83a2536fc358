package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/stagehand-k8s/stagehand/pkg/version"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "kubectl-stagehand:", err)
		}
		os.Exit(1)
	}
}

// errReported wraps the error of a command that has already said why it
// failed (check's failed items): main exits 1 without printing it again.
var errReported = errors.New("reported")

// run builds the command tree and runs the command of args.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// newRoot is `kubectl stagehand` with its subcommands and kubectl's flags.
func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "kubectl-stagehand",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl stagehand"},
		Short:         "See why stagehand injects a pod or not, and whether it is installed and working",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g.bind(root)
	root.AddCommand(
		newCheck(g),
		newExplain(g),
		newInject(g),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error {
				_, err := fmt.Fprintln(stdout, version.String())
				return err
			},
		},
	)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root
}

// globals are the flags every subcommand shares and the streams it writes to.
type globals struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// loading and overrides are kubectl's flags for reaching a cluster.
	loading   *clientcmd.ClientConfigLoadingRules
	overrides *clientcmd.ConfigOverrides
	// stagehandNamespace is where stagehand is installed.
	stagehandNamespace string
}

// defaultStagehandNamespace is where manifests/ and the chart install stagehand.
const defaultStagehandNamespace = "stagehand-system"

func (g *globals) bind(root *cobra.Command) {
	g.loading = clientcmd.NewDefaultClientConfigLoadingRules()
	g.overrides = &clientcmd.ConfigOverrides{}
	flags := root.PersistentFlags()
	flags.StringVar(&g.loading.ExplicitPath, clientcmd.RecommendedConfigPathFlag, "", "path to the kubeconfig file")
	clientcmd.BindOverrideFlags(g.overrides, flags, clientcmd.RecommendedConfigOverrideFlags(""))
	flags.StringVar(&g.stagehandNamespace, "stagehand-namespace", defaultStagehandNamespace, "namespace stagehand is installed in")
}

// clientConfig is the kubeconfig the flags select, loaded lazily.
func (g *globals) clientConfig() clientcmd.ClientConfig {
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(g.loading, g.overrides)
}
