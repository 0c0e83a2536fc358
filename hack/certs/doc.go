// Command certs makes the webhook's TLS material for the self-signed
// overlay, without cert-manager (`make certs`):
//
//	go run ./hack/certs --service stagehand-webhook --namespace stagehand-system \
//	    --out-dir certs [--days 365] [--new-ca] [--extra-names 127.0.0.1,localhost]
//
// It writes ca.crt, ca.key, tls.crt and tls.key into --out-dir (certs/ at
// the top level by default, read by manifests/self-signed through
// certs/kustomization.yaml; `make demo` uses certs/demo) and prints the
// CA's SHA-256 fingerprint. A CA already in --out-dir is kept while it
// outlives the new serving certificate, so that rerunning it renews the
// serving certificate without changing the caBundle. certs/README.md says
// how to rotate. The work is done by package internal/certs.
package main
