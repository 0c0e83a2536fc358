// Package fuzzpod turns fuzz inputs into pods, the same way for the
// injector's fuzz target and for the test that replays its corpus through a
// real API server.
package fuzzpod
