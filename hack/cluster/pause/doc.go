// Command pause is the local cluster's sandbox ("pause") container: it holds
// a pod's namespaces open, reaps the orphans that a pod sharing its process
// namespace leaves to it as PID 1, and exits on SIGINT or SIGTERM.
//
// It replaces registry.k8s.io/pause, which cannot be pulled here; up.sh builds
// it statically and packages it with hack/images.
package main
