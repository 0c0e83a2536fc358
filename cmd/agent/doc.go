// Command agent is the in-pod stagehand agent. The webhook's one init
// container runs `agent init`, which copies it into a shared emptyDir and
// fetches the dependencies, and rewrites target containers to run
// `<bin>/agent run [flags] -- <original command...>`.
//
// Subcommands:
//
//	agent run [--timeout D] [--grace D] [--manifest PATH] [--termination-log PATH] -- CMD [ARGS...]
//	agent fetch [flags] [--termination-log PATH]   (see package fetch)
//	agent install DIR         (see package install)
//	agent version
//
// See package supervise for the behaviour and exit codes of `agent run`;
// fetch and install document their own exit codes.
// Unknown subcommands and a missing subcommand exit with 125.
//
// What the webhook writes into a pod for the agent (its paths, its
// subcommands, the fetch job, the environment variables it reads) is
// package agentapi, which both sides import.
package main
