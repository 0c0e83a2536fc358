package checkup

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
)

// hook is one webhook of either webhook configuration.
type hook struct {
	config, name string
	client       admissionregistrationv1.WebhookClientConfig
}

func (r *run) hooks() []hook {
	var out []hook
	if r.mwc != nil {
		for _, w := range r.mwc.Webhooks {
			out = append(out, hook{"MutatingWebhookConfiguration " + r.mwc.Name, w.Name, w.ClientConfig})
		}
	}
	if r.vwc != nil {
		for _, w := range r.vwc.Webhooks {
			out = append(out, hook{"ValidatingWebhookConfiguration " + r.vwc.Name, w.Name, w.ClientConfig})
		}
	}
	return out
}

// caBundle checks that every webhook of both webhook configurations
// carries a CA bundle: without it the API server cannot call the webhook,
// and every pod that asks for stagehand is refused.
func (r *run) caBundle() Result {
	const item = "CA bundle"
	if r.mwc == nil {
		return r.readProblem(item, "MutatingWebhookConfiguration "+r.names.mutating, r.mwcErr, r.installHint())
	}
	if r.vwc == nil {
		return r.readProblem(item, "ValidatingWebhookConfiguration "+r.names.validating, r.vwcErr, r.installHint())
	}
	var missing, invalid []string
	var bundles [][]byte
	for _, h := range r.hooks() {
		switch b := h.client.CABundle; {
		case len(b) == 0:
			missing = append(missing, h.name)
		case len(certificates(b)) == 0:
			invalid = append(invalid, h.name)
		default:
			bundles = appendDistinct(bundles, b)
		}
	}
	if len(missing)+len(invalid) > 0 {
		var problems []string
		if len(missing) > 0 {
			problems = append(problems, "no caBundle in webhooks "+strings.Join(missing, ", "))
		}
		if len(invalid) > 0 {
			problems = append(problems, "no PEM certificate in the caBundle of webhooks "+strings.Join(invalid, ", "))
		}
		return Result{Status: Fail, Item: item, Hint: r.renewHint(),
			Found: strings.Join(problems, "; ") + ": the API server cannot call the webhook, and refuses the pods that ask for stagehand"}
	}
	found := fmt.Sprintf("in all %d webhooks of MutatingWebhookConfiguration %s and ValidatingWebhookConfiguration %s", len(r.hooks()), r.mwc.Name, r.vwc.Name)
	for _, b := range bundles {
		ca := certificates(b)[0]
		found += fmt.Sprintf("; CA %q valid until %s", ca.Subject.CommonName, ca.NotAfter.UTC().Format(time.DateOnly))
	}
	if r.mode == CertManager {
		found += ", copied by cert-manager's cainjector from Certificate " + r.certificate.String()
	}
	return Result{Status: Pass, Item: item, Found: found}
}

// serving checks the serving certificate of the Secret the Deployment
// mounts against every CA bundle, for the name the API server calls the
// webhook by.
func (r *run) serving(ctx context.Context) Result {
	const item = "serving certificate"
	what := "Secret " + r.Namespace + "/" + r.names.tlsSecretOf(r.deploy)
	var secret corev1.Secret
	if err := r.get(ctx, r.key(r.names.tlsSecretOf(r.deploy)), &secret); err != nil {
		hint := r.installHint()
		if r.mode == CertManager && r.certificate.Name != "" {
			hint = r.renewHint()
		}
		res := r.readProblem(item, what, err, hint)
		if res.Status == Skip {
			res.Found += "; so its certificate is not compared with the CA bundle"
		}
		return res
	}
	worst := Result{Status: Skip, Item: item, Found: "not checked: no webhook carries a CA bundle to compare " + what + " with"}
	checked := map[string]bool{}
	for _, h := range r.hooks() {
		host := webhookHost(h.client)
		if len(h.client.CABundle) == 0 || checked[host+string(h.client.CABundle)] {
			continue
		}
		checked[host+string(h.client.CABundle)] = true
		status, found := verifyServing(h.client.CABundle, secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey], host, r.now)
		if worst.Status == Skip || rank(status) > rank(worst.Status) {
			worst = Result{Status: status, Item: item, Found: "tls.crt of " + what + ": " + found}
		}
	}
	if worst.Status == Fail || worst.Status == Warn {
		worst.Hint = r.renewHint()
	}
	return worst
}

func rank(s Status) int {
	return map[Status]int{Skip: 0, Pass: 1, Warn: 2, Fail: 3}[s]
}

// expiryWarning is how close to its end a valid certificate warns: 7 days,
// or a third of its lifetime when that is shorter (cert-manager renews at
// two thirds by default, and the node tests' certificates live a day).
func expiryWarning(lifetime time.Duration) time.Duration {
	return min(7*24*time.Hour, lifetime/3)
}

// verifyServing checks a serving certificate chain (tls.crt) and its key
// against a CA bundle, for host, at now: every problem at once.
func verifyServing(caBundle, certPEM, keyPEM []byte, host string, now time.Time) (Status, string) {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caBundle) {
		return Fail, "the caBundle holds no PEM certificate"
	}
	chain := certificates(certPEM)
	if len(chain) == 0 {
		return Fail, "no PEM certificate"
	}
	leaf := chain[0]
	var problems []string
	timeProblem := true
	switch {
	default:
		timeProblem = false
	case now.After(leaf.NotAfter):
		problems = append(problems, "expired on "+leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(leaf.NotBefore):
		problems = append(problems, "not valid before "+leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if host != "" {
		if err := leaf.VerifyHostname(host); err != nil {
			problems = append(problems, fmt.Sprintf("does not name %s, which the API server calls (it names %s)", host, strings.Join(leaf.DNSNames, ", ")))
		}
	}
	intermediates := x509.NewCertPool()
	for _, c := range chain[1:] {
		intermediates.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if timeProblem && err != nil {
		// The certificate is not valid now, which is said above: whether
		// the CA signed it is what is left to tell.
		err = nil
		if !signedBy(leaf, slices.Concat(chain[1:], certificates(caBundle))) {
			err = x509.UnknownAuthorityError{Cert: leaf}
		}
	}
	if err != nil {
		var unknown x509.UnknownAuthorityError
		if errors.As(err, &unknown) {
			problems = append(problems, fmt.Sprintf("not signed by the caBundle's CA (issued by %q; the caBundle holds %s)",
				leaf.Issuer.CommonName, commonNames(certificates(caBundle))))
		} else {
			problems = append(problems, "does not verify against the caBundle: "+err.Error())
		}
	}
	if len(keyPEM) > 0 {
		if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			problems = append(problems, "tls.key is not the key of tls.crt")
		}
	}
	if len(problems) > 0 {
		return Fail, strings.Join(problems, "; ")
	}
	// A chain ends when its first certificate does.
	end := leaf.NotAfter
	for _, c := range chains[0] {
		if c.NotAfter.Before(end) {
			end = c.NotAfter
		}
	}
	found := fmt.Sprintf("signed by the caBundle's CA %q, names %s, valid until %s (%s left)",
		chains[0][len(chains[0])-1].Subject.CommonName, host, end.UTC().Format(time.RFC3339), left(end.Sub(now)))
	if end.Sub(now) < expiryWarning(leaf.NotAfter.Sub(leaf.NotBefore)) {
		return Warn, found + ": close to expiry"
	}
	return Pass, found
}

// signedBy reports whether one of cas signed c.
func signedBy(c *x509.Certificate, cas []*x509.Certificate) bool {
	return slices.ContainsFunc(cas, func(ca *x509.Certificate) bool { return c.CheckSignatureFrom(ca) == nil })
}

// certificates parses the PEM certificates of b, skipping what is not one.
func certificates(b []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return out
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

func commonNames(cs []*x509.Certificate) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%q", c.Subject.CommonName))
	}
	return strings.Join(out, ", ")
}

func appendDistinct(all [][]byte, b []byte) [][]byte {
	for _, a := range all {
		if bytes.Equal(a, b) {
			return all
		}
	}
	return append(all, b)
}

// left is a duration as a person reads it: days when there are some.
func left(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
