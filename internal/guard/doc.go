// Package guard generates stagehand's guard policies from the injection
// table of package inject, each with its binding:
//
//   - manifests/base/validatingadmissionpolicy.yaml, the
//     ValidatingAdmissionPolicy "stagehand-guard", which rejects a pod when
//     what stagehand injected for the pod's own stagehand.io/ annotations
//     was removed or altered after stagehand's webhook ran;
//   - manifests/base/validatingadmissionpolicy-profiles.yaml,
//     "stagehand-profile-guard", whose parameters are the InjectionProfiles
//     of the pod's namespace, and which rejects a pod a profile selects
//     unless stagehand injected it with that profile and what the profile's
//     annotations, under the pod's own, ask for is there.
//
// The policies are built as typed admissionregistration/v1 objects, whose
// CEL derives from each injection's Guard (what differs between them is a
// guard), and rendered as commented YAML. TestGuardPolicyMatchesTable fails
// when a file drifts from the table; `make manifests` rewrites them.
package guard
