// Package logbuffer is a buffer that several goroutines, or a process's two
// output pipes, may write to at once: the tests capture logs in it.
package logbuffer
