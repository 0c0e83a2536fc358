package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stagehand-k8s/stagehand/pkg/checkup"
)

// newCheck is `kubectl stagehand check`: package checkup, wired to the
// kubeconfig the flags select.
func newCheck(g *globals) *cobra.Command {
	var certificates string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check that stagehand is installed and can work: one line per item, with a hint for each failure",
		Long: `Check that stagehand is installed and can work, before or after installing it.

Each item is one line, PASS, FAIL, WARN or SKIP, with what was found; under
each FAIL and WARN a hint says what to do. Items: the API server reachable
and Kubernetes ` + checkup.MinKubernetes + ` or later; the InjectionProfile CRD; cert-manager and
its Certificate when the installation uses it; the webhook Deployment
available and its Service's endpoints ready; the CA bundle of the webhook
configurations and the serving certificate it must match; the guard
policies bound to deny; the namespaces that opted in.

Exits 1 when an item fails. --request-timeout bounds each request (10s
unless given).`,
		Example: `  kubectl stagehand check
  kubectl stagehand check --certificates cert-manager    # before installing manifests/cert-manager
  kubectl stagehand check --stagehand-namespace stagehand --context prod`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode := checkup.Certificates(certificates)
			if mode != checkup.Detect && mode != checkup.CertManager && mode != checkup.SelfSigned {
				return fmt.Errorf("--certificates %q: want %s or %s", certificates, checkup.CertManager, checkup.SelfSigned)
			}
			opts := checkup.Options{Namespace: g.stagehandNamespace, Certificates: mode}
			report, err := runCheck(cmd, g, opts)
			if err != nil {
				return err
			}
			if err := report.Write(g.stdout); err != nil {
				return err
			}
			if n := report.Failed(); n > 0 {
				return fmt.Errorf("check: %d items failed: %w", n, errReported)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&certificates, "certificates", "",
		"before install, where the installation will take its certificates from: cert-manager (checks that cert-manager is installed) or self-signed; an installation tells it itself")
	return cmd
}

// runCheck runs the check on the cluster of the kubeconfig; a kubeconfig
// that cannot be loaded is a failed item, not an error.
func runCheck(cmd *cobra.Command, g *globals, opts checkup.Options) (checkup.Report, error) {
	cfg, err := g.clientConfig().ClientConfig()
	if err != nil {
		return checkup.NotConnected(err), nil
	}
	c, err := checkup.ForConfig(cfg, opts)
	if err != nil {
		return checkup.NotConnected(err), nil
	}
	return c.Run(cmd.Context())
}
