// Package inject rewrites a Pod to carry what its stagehand.io annotations
// ask for.
//
// # The read set
//
// Injection reads a pod only through an Input (input.go): the one type that
// holds what injection may read, decoded from the pod's JSON by its type
// (DecodeInput; InputOf for a typed Pod). Inject takes an Input and nothing
// else, so what it may read is what the compiler lets it read, and the
// webhook's cache keys its answers by the encoding of the Input.
//
// # The table of injections
//
// Each injection (credentials, the ATS key, the ATS keytab, the Timeline
// Server URL, dependencies, the agent) is one file that registers itself in
// the table (injection.go): its annotation keys with their registry entries,
// how it parses them into its request, which volumes, init containers and env
// vars it owns, where it mounts, what the guard policy checks of it, how it
// describes itself, and how it applies itself. Generic code loops over the
// table and never names an injection: parsing, warnings for unused options,
// mount overlap checks, the status record, the annotation registry and its
// documentation, the guard policy, the demo's summary. README.md ("Adding an
// injection") walks through adding one.
//
// # What injections share
//
// A pod gets at most one init container of stagehand's, InitContainer, and
// one emptyDir, DataVolume (initcontainer.go). An injection that needs them
// contributes a step to the init container (flags of `agent init`, env,
// mounts, resources) and a share of the emptyDir's size, and mounts its
// subdirectory of the emptyDir into the target containers; the editor
// assembles both once every injection has applied. No injection knows
// another's step.
//
// # Applying
//
// Inject parses the annotations once, then applies the injections in rank
// order to a copy of the Input. An injection only adds elements that
// stagehand owns; what it owns is recorded in the stagehand.io/status
// annotation, so that a re-invocation with changed annotations removes
// exactly what was injected before and nothing else. The record is compact
// when the pod itself shows what stagehand owns, and complete otherwise
// (see Status); a status of an earlier version, with stagehand's earlier
// init containers and volumes, is read the same way.
//
// The result carries a JSON patch built from the lists the injections
// touched, never from a diff of a re-marshalled pod: it only adds, replaces
// or removes elements that stagehand owns, so fields of the original object
// that the Go types do not know survive untouched. Injecting an injected pod
// yields an empty patch.
//
// Inject makes no API calls and does no I/O; the admission server and the
// offline injector share it.
package inject
