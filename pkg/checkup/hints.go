package checkup

import (
	"fmt"
	"strings"
)

// The install commands of README.md (TestInstallCommandsAreREADMEs);
// installHelm takes the namespace.
const (
	installCertManager = "kubectl apply -k manifests/cert-manager && " +
		"kubectl -n stagehand-system wait --for=condition=Ready certificate/stagehand-webhook --timeout=5m && " +
		"kubectl apply -k manifests/cert-manager/webhooks"
	installSelfSigned = "make certs && kubectl apply -k manifests/self-signed"
	installHelm       = "helm install stagehand charts/stagehand -n %s --create-namespace"
)

// installHint says how to install stagehand, as README.md does, in the
// installation's mode when it is known; with Helm, how to restore it.
func (r *run) installHint() string {
	var hint string
	helm := fmt.Sprintf(installHelm, r.Namespace)
	switch {
	case r.helmRelease != "":
		hint = fmt.Sprintf("installed with Helm: helm upgrade %s charts/stagehand -n %s --reuse-values", r.helmRelease, r.installedIn())
	case r.mode == CertManager:
		hint = "install stagehand, after cert-manager: " + installCertManager + ", or " + helm + " --set certificates.mode=cert-manager --wait --rollback-on-failure --timeout 5m"
	case r.mode == SelfSigned:
		hint = "install stagehand: " + installSelfSigned + ", or " + helm
	default:
		hint = "install stagehand from its repository: " + installCertManager + " (with cert-manager), " +
			installSelfSigned + " (without), or " + helm
	}
	return hint + r.elsewhere()
}

// renewHint says how to get a new serving certificate, or a CA bundle
// that matches it.
func (r *run) renewHint() string {
	switch {
	case r.mode == CertManager:
		return fmt.Sprintf("cert-manager issues it and its cainjector copies the CA into the webhook configurations: "+
			"kubectl -n %s describe certificate %s; kubectl -n cert-manager get pods", r.certificate.Namespace, r.certificate.Name)
	case r.helmRelease != "":
		return fmt.Sprintf("the chart signs a new one at every upgrade: helm upgrade %s charts/stagehand -n %s --reuse-values",
			r.helmRelease, r.installedIn())
	}
	return installSelfSigned + " (the webhook reloads the Secret without a restart)"
}

// elsewhere points at the namespace the webhook configuration calls, when
// it is not Options.Namespace.
func (r *run) elsewhere() string {
	if ns := r.installedIn(); ns != r.Namespace {
		return fmt.Sprintf("; the MutatingWebhookConfiguration %s calls a Service in %s: add --stagehand-namespace %s",
			r.mwc.Name, ns, ns)
	}
	return ""
}

// installedIn is the namespace of the Service the MutatingWebhookConfiguration
// calls, or Options.Namespace.
func (r *run) installedIn() string {
	if r.mwc != nil {
		for _, w := range r.mwc.Webhooks {
			if s := w.ClientConfig.Service; s != nil {
				return s.Namespace
			}
		}
	}
	return r.Namespace
}

// listNames lists up to most names, saying how many more there are.
func listNames(all []string, most int) string {
	if len(all) <= most {
		return strings.Join(all, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(all[:most], ", "), len(all)-most)
}
