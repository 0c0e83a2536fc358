// Package install implements `agent install DIR`: it copies the running
// agent executable to DIR/agent so that other containers of the pod (which
// share DIR, typically an emptyDir volume) can run it.
//
// The copy is atomic and durable: the bytes are written to a temporary file
// in DIR, fsynced and made read-only executable (0555), then renamed to
// DIR/agent, and DIR is fsynced. Installing again is a no-op when DIR/agent
// already has identical content (its mode is corrected to 0555 if needed).
// DIR is created if missing.
//
// Exit codes returned by [Main]:
//
//	0  ExitOK        installed, or already up to date
//	10 ExitBadInput  usage error (DIR missing or extra arguments)
//	14 ExitLocalIO   cannot read the executable or write DIR/agent
//
// The numbers match the exit codes of `agent fetch`.
package install
