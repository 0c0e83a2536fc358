// Package guard generates the guard policy,
// manifests/base/validatingadmissionpolicy.yaml, from the injection table
// of package inject: the ValidatingAdmissionPolicy "stagehand-guard", which
// rejects a pod when what stagehand injected was removed or altered after
// stagehand's webhook ran, and its binding.
//
// The policy is built as typed admissionregistration/v1 objects, whose CEL
// derives from each injection's Guard, and rendered as commented YAML.
// TestGuardPolicyMatchesTable fails when the file drifts from the table;
// `make manifests` rewrites it.
package guard
