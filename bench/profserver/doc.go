// Command profserver runs stagehand's webhook server in-process (package
// webhook's Serve, the code behind `webhook serve`) under the runtime/pprof
// CPU profiler, so that the benchmarks can profile the server under load
// without adding a profiling endpoint to the product. It reads the same
// STAGEHAND_* settings and flags as `webhook serve`; the profile is written
// when the process receives SIGTERM or SIGINT.
//
//	profserver --cpuprofile FILE [webhook serve flags]
package main
