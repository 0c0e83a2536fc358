// Package agentapi is the contract between the webhook and the agent: what
// the webhook writes into a pod and the agent reads back at run time. Both
// sides import it, and it imports nothing of either, so the webhook links
// no part of the agent (no downloader, no Timeline Server client) and the
// agent no part of admission.
//
// It holds:
//
//   - the fetch [Job], the whole work of `agent fetch`, with the meaning of
//     its zero values; webhooks before [CommandInit] marshalled it into the
//     fetch init container's [EnvJob] (STAGEHAND_FETCH_JOB);
//   - what the init container ([InitContainer], [CommandInit]) is told and
//     what it derives ([FlagInstall], [DefaultDepsBytes]);
//   - [ParseDependency], the one reading of a dependency URI, so that the
//     webhook denies at admission exactly the URIs the fetcher would
//     refuse at run time, and names each one only in its redacted form;
//   - where the agent lives in a pod ([Dir], [BinDir], [Binary], [SpoolDir],
//     [JarsDir], [FilesDir], [SecretsDir]), its
//     path in its own image ([ImageBinary]) and its subcommands;
//   - the names of the environment variables the webhook sets and the
//     agent reads to report to the Timeline Server ([EnvTimelineURL] and
//     the pod's identity).
//
// # Versions
//
// The contract is versioned by what both sides read, not by a number:
// an agent image and a webhook of different releases work together as long
// as the agent reads every field and variable that webhook writes. Hence
// fields are only added, each with a zero value that means what the field's
// absence meant before (a default), and the agent ignores JSON fields it
// does not know; a rename or a change of meaning is a new name. Paths and
// names here are baked into pods that outlive a webhook upgrade: changing
// one breaks the pods admitted before.
//
// The package uses only the standard library and package redaction.
package agentapi
