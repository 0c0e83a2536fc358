// Package timeline reports the agent's work to an Apache Hadoop Timeline
// Server (ATS v1 REST, Hadoop 2.7 with MR3's authentication patch), so that
// the history of every task a pod ran can be queried like MR3's own DAGs:
//
//	curl <ats>/ws/v1/timeline/STAGEHAND_TASK?primaryFilter=namespace:<ns>
//
// # What is reported
//
// Each run of `agent run` or `agent fetch` is one entity of type
// STAGEHAND_TASK whose id is <namespace>/<pod>/<container>/<restart count>.
// The restart count comes from a counter file in the container's spool
// directory, which lives on an emptyDir that outlives container restarts;
// without a spool directory the agent's start time in milliseconds takes its
// place. Events are TASK_STARTED, TASK_KILLED, TASK_FINISHED and the periodic
// TASK_PROGRESS (from `agent run`), and FETCH_STARTED, FETCH_FINISHED and
// FETCH_PROGRESS (from `agent fetch`). Primary filters: namespace, pod,
// container, node and, where known, user. otherinfo: image, the command with
// secrets redacted (see RedactArgs), and the stagehand version.
//
// # Never lose an event, never hold up the task
//
// A Reporter appends every event to a Spool before anything else: JSON
// lines in an append-only file, one write(2) per event, so an event
// survives the agent being killed right after; the file is fsynced per
// batch (before each delivery, after each rewrite and at Close), not per
// event, so a slow disk never stalls the supervising goroutine. Only a node
// crash can lose events written since the last batch.
//
// A background sender delivers the spool in order, in batches, retrying
// network errors, 5xx, 408, 429 and per-entity IO errors with exponential
// backoff and full jitter. Acknowledged events are recorded in an ack file
// (the highest delivered sequence number, replaced by atomic rename), so a
// restarted agent resumes where its predecessor stopped; a crash between a
// delivery and its ack only causes a duplicate, which the Timeline Server
// merges (an event is identified by entity, event type and timestamp).
//
// At exit, Close flushes with a deadline; what is left stays in the spool
// and is sent first by the next agent start in the same pod: the restarted
// container's own agent, or the agent of another container of the pod,
// which adopts spools nobody holds (each spool is locked with flock(2)
// while its agent runs).
//
// The spool is bounded (DefaultMaxSpoolBytes, DefaultMaxSpoolEvents). When
// it is full, the oldest progress events are dropped first; lifecycle
// events (started, killed, finished) are never dropped. Drops are counted
// in a log line and in the eventinfo (droppedProgressEvents) of the next
// event.
//
// # Authentication
//
// With MR3's patch, the Timeline Server accepts a delegation token that
// both sides derive from the shared secret ATS_SECRET_KEY (see
// DelegationToken); the agent sends it in the X-Hadoop-Delegation-Token
// header of every request. Servers without the patch are reached with
// Hadoop's simple authentication (?user.name=...) when
// STAGEHAND_TIMELINE_AUTH=simple. The secret and the token never appear in
// a log line, an event or an error message.
package timeline
