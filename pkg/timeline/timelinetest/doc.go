// Package timelinetest is a Timeline Server (ATS v1 REST) for tests, with
// MR3's authentication: it verifies the X-Hadoop-Delegation-Token header
// against its own copy of ATS_SECRET_KEY by decoding the token and
// recomputing its HMAC, independently of package timeline's encoder. It
// answers 403 without or with a wrong token, accepts simple authentication
// (?user.name=) when configured, rejects chosen entities with per-entity
// error codes, and can fail on demand (an HTTP status, connection resets,
// slowness, or hanging) and come back.
//
// Like the real store, it merges what it receives: an entity's events are
// keyed by event type and timestamp, so duplicates are harmless. Received
// bodies and counters are exposed for assertions, and GET
// /ws/v1/timeline/<type>?primaryFilter=name:value answers like ATS does.
package timelinetest
