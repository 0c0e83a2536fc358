// Package fuzzpod turns fuzz inputs into pods. Pod varies the annotations of
// a few base pods, the same way for the injector's fuzz target and for the
// test that replays its corpus through a real API server. Shape builds small
// pods of names that are easily confused, Edit makes the next pod of a pair
// from the last, and Ordered writes a pod's JSON with its members in the
// order a fuzz input picks.
package fuzzpod
