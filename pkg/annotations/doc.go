// Package annotations defines the stagehand.io annotation contract: one
// constant per key, a registry describing every key (its default, what is
// valid, and a validator), and Parse, which reads a Pod's annotations once
// into a typed Spec.
//
// # Precedence
//
// All precedence rules live in Parse and are listed here once:
//
//   - stagehand.io/inject: "false" disables every injection; no other key is
//     validated.
//   - stagehand.io/ats-secret and stagehand.io/ats-configmap are mutually
//     exclusive: naming both is an error.
//   - Options without their main key (for example stagehand.io/token-audience
//     without stagehand.io/service-account-token: "true") have no effect and
//     produce a warning.
//   - stagehand.io/token-path defaults to the kubelet's own path,
//     /var/run/secrets/kubernetes.io/serviceaccount, only when the pod sets
//     spec.automountServiceAccountToken: false, because only then can the two
//     mounts not collide. Otherwise it defaults to
//     /var/run/secrets/stagehand.io/serviceaccount. The ServiceAccount's own
//     automount setting is not consulted: admission makes no API calls.
//   - Unknown keys under stagehand.io/ are warnings, or errors in strict mode.
package annotations
