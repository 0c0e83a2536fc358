// Package loadgen drives a request function at a fixed concurrency (closed
// loop) or at a fixed rate (open loop) and reports throughput and latency
// percentiles. The open loop measures each latency from the time the
// request was scheduled to be sent, not from when it was actually sent, so
// a stalled server shows up in every request it delayed (it is safe from
// coordinated omission). Target sends AdmissionReviews over HTTPS with
// keep-alive through one shared http.Transport.
package loadgen
