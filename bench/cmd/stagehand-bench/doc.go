// Command stagehand-bench runs stagehand's benchmarks against floors
// measured side by side on the same machine in the same run, and prints one
// GOAL line per goal:
//
//   - the webhook process (`webhook serve`) against a no-op
//     controller-runtime webhook (bench/noop), closed loop at several
//     concurrencies and open loop at a fixed rate, alternating A/B/C;
//   - cold start to the first admission;
//   - the handler's Go benchmarks (go test -bench ./pkg/webhook), with CPU
//     and allocation profiles, and CPU profiles of the server under load
//     (bench/profserver);
//   - `agent fetch` against `curl --parallel` over loopback;
//   - `agent run -- /bin/true` against exec'ing /bin/true;
//   - pod creation through an envtest API server with and without the
//     webhook.
//
// The full report goes to --out (bench/results/latest.md). With -smoke every
// part runs for a moment with tiny sizes, only to prove the code works;
// thresholds mean nothing then. See BENCHMARKS.md for the method.
package main
