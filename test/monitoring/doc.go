// Package monitoring tests manifests/monitoring, the add-on that installs a
// ServiceMonitor, the PrometheusRule of docs/operations.md's alerts and a
// Grafana dashboard: the overlay builds with kustomize and its objects
// decode; `promtool check rules` accepts the rules and `promtool test rules`
// (testdata/rules_test.yaml) shows each alert firing when it should and not
// otherwise, with the promtool of `make promtool-assets` (pinned in
// hack/promtool/versions.env); and every metric the rules and the
// dashboard's queries name is one the webhook registers, or one of
// kube-state-metrics named explicitly.
package monitoring
