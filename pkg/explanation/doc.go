// Package explanation says why a pod was, or would be, injected by
// stagehand or not, step by step, as `kubectl stagehand explain` prints it:
//
//   - whether its namespace carries the labels each entry of the
//     MutatingWebhookConfiguration's namespaceSelector asks for (evaluated
//     with apimachinery's label selectors), and the objectSelector likewise;
//   - which entry its match conditions send it to: the shipped conditions
//     are evaluated in Go when a cluster's equal the shipped ones (package
//     manifests), and named as changed and not evaluated otherwise;
//   - the InjectionProfiles that select it (two or more deny it);
//   - its own stagehand.io/ keys, each with its value redacted, unknown keys
//     with "did you mean", keys misplaced on its workload, an opt-out;
//   - for a pod of the cluster, what its stagehand.io/status says against
//     what injecting it again with the live settings gives, and the Events
//     stagehand recorded on its controller;
//   - the warnings and every problem of a denial that injection gives now;
//   - a verdict: injected, would be injected, would be denied or not
//     injected, and why.
//
// Explain is pure: it reads only its Input (the pod, its namespace, the
// live settings, profiles, webhook configuration and Events), which the
// command fetches. No value of a Secret is ever read, and every annotation
// value shown is redacted (package redaction).
package explanation
