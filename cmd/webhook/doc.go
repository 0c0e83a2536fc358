// Command webhook is the stagehand mutating admission webhook for
// data-processing pods (Hive on MR3, Spark).
//
// Subcommands:
//
//	webhook [serve] [flags]             run the webhook (the default)
//	webhook inject -f FILE|- [--strict] inject manifests offline
//	webhook version                     print the version
//
// serve reads its settings from STAGEHAND_* environment variables, each
// overridable by a flag (see package config, or `webhook serve -h`), and
// rejects every invalid setting at startup. It logs structured JSON (or
// text) to standard error, and on SIGTERM or SIGINT stops being ready, keeps
// serving for the shutdown delay, then stops gracefully; a second signal
// kills it at once.
//
// inject reads multi-document YAML from FILE, or standard input for "-",
// and writes it to standard output with every pod injected as the webhook
// would. Warnings go to standard error. When a pod is denied it writes
// nothing to standard output, prints the denial to standard error and exits
// with status 1.
//
// Errors exit with status 1.
package main
