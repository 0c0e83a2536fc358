// Package certs makes the TLS material of the stagehand webhook without
// cert-manager: a private CA and a serving certificate for the webhook's
// Service, written as PEM files next to the kustomize patch that puts the
// CA into the MutatingWebhookConfiguration's caBundle.
//
// It backs `make certs` (hack/certs) and the self-signed overlay,
// manifests/self-signed. Keys are ECDSA P-256; the serving certificate is
// for server authentication only and names every DNS name the API server
// may use for the Service. An existing CA in the output directory is kept
// when it outlives the new serving certificate, so that renewing the serving
// certificate leaves the caBundle unchanged and no webhook call fails while
// the pods pick up the new key pair.
package certs
