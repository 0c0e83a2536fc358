// Package annotations holds the machinery of the stagehand.io annotation
// contract: the Key type of registry entries (description, default, what
// is valid, a validator), the validators that entries share, the general
// keys that belong to no one injection (stagehand.io/inject,
// stagehand.io/containers, stagehand.io/status), the checks every key goes
// through on its own (Keys, Check: unknown keys, invalid values, limits),
// and the Markdown of docs/annotations.md.
//
// Each injection declares its own keys and their entries (package inject,
// one file per injection); inject.Registry() is the whole registry.
//
// Precedence, as inject applies it:
//
//   - stagehand.io/inject: "false" disables every injection; no other key is
//     validated.
//   - Every key is validated on its own first; rules across keys (for
//     example stagehand.io/ats-secret and stagehand.io/ats-configmap are
//     mutually exclusive) run on the keys that are valid on their own, so
//     that one denial lists every problem.
//   - Options without the key that asks for their injection (for example
//     stagehand.io/token-audience without stagehand.io/service-account-token:
//     "true") have no effect and produce a warning.
//   - Unknown keys under stagehand.io/ are warnings, or errors in strict mode.
package annotations
