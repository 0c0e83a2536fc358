// Package redaction removes credentials from URL-like values before they
// appear in a message, a log line, a warning, a manifest or a report.
//
// It is the one redaction of stagehand: the webhook's denials and warnings
// about annotations and dependency URIs, `agent fetch`'s errors, logs and
// manifest, and the command lines the agent reports to the Timeline Server
// all call [URL] (or [List] for comma-separated values).
//
// What is removed, whether or not the value parses as a URL:
//
//   - userinfo (user, password, or a bare token): everything before the
//     last '@' of the authority becomes "redacted". A value with no "//"
//     (such as "u:SEKRIT@ats:8188", which url.Parse reads as scheme "u") or
//     one url.Parse rejects is read conservatively: everything before its
//     last '@' (or percent-encoded "%40") goes, scheme included when it may
//     be a user name;
//   - the query string: "?anything" becomes "?redacted" (signed URLs carry
//     their secrets there under many names);
//   - the fragment, dropped whole.
//
// Everything else is kept byte for byte, so that the user recognises the
// value. The result is never longer than the input plus 16 bytes, and the
// work is linear in the input's length.
package redaction
