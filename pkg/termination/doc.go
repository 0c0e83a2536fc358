// Package termination writes the termination messages of the agent's
// containers: the JSON document the kubelet copies into the container's
// status (state.terminated.message), which `kubectl describe pod` and
// `kubectl get pod -o yaml` show after the container ended.
//
// Both subcommands of the agent write one on every exit path: `agent run`
// (package supervise, component "stagehand-agent") and `agent fetch`
// (package fetch, component "stagehand-fetch", the [Fetch] document). The
// two share the leading fields component, exitCode, reason, message and
// durationSeconds, so that a reader can tell them apart and read the
// outcome of either without knowing which it is.
//
// # Size
//
// The kubelet keeps at most 4096 bytes of a container's message
// ([MaxBytes]); every document written here is shorter. [Fit] shortens a
// free-text field to fit; [Fetch.Encode] shortens errors and names and
// then leaves out whole dependencies, the failed ones last, saying how
// many it left out.
//
// # Where
//
// The path is the --termination-log flag, else $STAGEHAND_TERMINATION_LOG
// ([EnvPath]), else /dev/termination-log ([DefaultPath], the default
// terminationMessagePath); see [Path]. The default path is only written
// when it already exists (the kubelet always provides it, and outside a
// pod the agent must not litter /dev); an explicit path is created.
//
// The package uses only the standard library.
package termination
