// Package testenv runs a real kube-apiserver and etcd for the integration
// tests (controller-runtime's envtest, with the binaries of `make
// envtest-assets`), configured as a real cluster admits pods, and serves
// admission webhooks where envtest made serving certificates for.
package testenv
