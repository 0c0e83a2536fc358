// Command certs makes the webhook's TLS material for the self-signed
// overlay, without cert-manager (`make certs`):
//
//	go run ./hack/certs --service stagehand-webhook --namespace stagehand-system \
//	    --out-dir manifests/self-signed/certs [--days 365] [--new-ca]
//
// It writes ca.crt, ca.key, tls.crt, tls.key and cabundle-patch.yaml into
// --out-dir and prints the CA's SHA-256 fingerprint. A CA already in
// --out-dir is kept while it outlives the new serving certificate, so that
// rerunning it renews the serving certificate without changing the
// caBundle. The work is done by package certs.
package main
