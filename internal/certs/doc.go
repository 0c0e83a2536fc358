// Package certs makes the TLS material of the stagehand webhook without
// cert-manager: a private CA and a serving certificate for the webhook's
// Service, written as PEM files (Files).
//
// It backs `make certs` (hack/certs), which writes the top-level certs/
// directory that the self-signed overlay, manifests/self-signed, takes its
// Secret and caBundle from (through certs/kustomization.yaml), and `make
// demo`, which writes certs/demo/ with 127.0.0.1 and localhost among the
// names. Keys are ECDSA P-256; the serving certificate is for server
// authentication only and names every DNS name the API server may use for
// the Service. An existing CA in the output directory is kept when it
// outlives the new serving certificate, so that renewing the serving
// certificate leaves the caBundle unchanged and no webhook call fails while
// the pods pick up the new key pair.
package certs
