// Package supervise runs one task the way `agent run` does: it is the
// supervisor the stagehand webhook puts in front of a container's original
// command (`agent run [flags] -- CMD ARGS...`), in the spirit of Argo's
// emissary and Tekton's entrypoint.
//
// Run, in order:
//
//  1. validates Options and, when ManifestPath is set, checks with
//     fetch.ReadManifest that the `agent fetch` result manifest exists and
//     decodes (dependencies were requested, so the task must not start
//     without them);
//  2. resolves Command[0] through the task's PATH like a shell does;
//  3. catches every signal, makes the agent a child subreaper
//     (PR_SET_CHILD_SUBREAPER), and starts the task in its own process
//     group, inheriting stdin, stdout and stderr untouched. (`agent run`
//     catches SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM
//     and SIGPIPE before the task starts, and the other signals in the
//     background, within about a millisecond: catching all 65 takes that
//     long, and would otherwise delay every task;)
//  4. forwards every signal it receives to the task's process group, except
//     SIGCHLD (which drives reaping) and SIGURG (Go's preemption signal).
//     SIGTERM, an elapsed Timeout, or a canceled context stop the task:
//     TERM to the group, then KILL once Grace has passed;
//  5. reaps every child with wait4(-1), recognising the task by its pid, so
//     orphans reparented to the agent never stay zombies and the task's
//     own status is never lost;
//  6. once the task has exited, stops what it left behind (the rest of its
//     process group and any orphan reparented to the agent): TERM, then
//     KILL after the grace period, and reaps them;
//  7. writes the termination message and reports to the Observer.
//
// Because all signals are caught explicitly, the agent also behaves as PID 1,
// where the kernel would otherwise ignore TERM and INT.
//
// # Exit codes
//
// The agent exits with the task's exit status, or 128+N when the task was
// killed by signal N (137 for SIGKILL, 143 for SIGTERM). These codes are
// reserved for the agent itself:
//
//   - 124 (ExitTimeout): the task was stopped because --timeout elapsed,
//     whatever status it then ended with.
//   - 125 (ExitInternal): the agent failed: bad flags, missing or invalid
//     manifest, or the task could not be started for another reason.
//   - 126 (ExitNotExecutable): the command exists but cannot be executed
//     (no execute permission, a directory, unknown format).
//   - 127 (ExitNotFound): the command was not found (also when a script's
//     interpreter is missing).
//
// A task that itself exits with one of these codes is indistinguishable
// by exit code alone; the termination message's reason tells them apart.
//
// # Termination message
//
// On every exit path, flag errors included, a JSON document shorter than
// 4096 bytes (the message field is shortened to fit) is written to the
// termination log:
//
//	{"component":"stagehand-agent","exitCode":143,"signal":"SIGTERM",
//	 "reason":"Signaled","message":"task killed by SIGTERM","durationSeconds":1.5}
//
// reason is one of Completed, Error, Signaled, Timeout, NotFound,
// NotExecutable, InternalError. The path is --termination-log, else
// $STAGEHAND_TERMINATION_LOG, else /dev/termination-log; the default path is
// only written when it already exists (the kubelet always provides it),
// explicit paths are created.
//
// # Task history
//
// When STAGEHAND_TIMELINE_URL is set, `agent run` reports TASK_STARTED,
// TASK_FINISHED and TASK_KILLED to the Timeline Server through package
// timeline: events are spooled first and sent in the background, so the
// task's start, exit code and timing never depend on the server; the flush
// at exit is bounded inside the grace period.
//
// # Logging
//
// The agent's own log lines are JSON (log/slog) on stderr, with
// "component":"stagehand-agent".
package supervise
