package supervise

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// defaultPath is used when the task environment has no PATH, matching the
// default of common container runtimes.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// startError is a failure to start the task, already classified.
type startError struct {
	code   int
	reason Reason
	err    error
}

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

func notFound(format string, args ...any) *startError {
	return &startError{code: ExitNotFound, reason: ReasonNotFound, err: fmt.Errorf(format, args...)}
}

func notExecutable(format string, args ...any) *startError {
	return &startError{code: ExitNotExecutable, reason: ReasonNotExecutable, err: fmt.Errorf(format, args...)}
}

// resolve finds the executable for name like a shell does: a name with a
// slash is used as is, any other is searched in the PATH of env. A name
// that exists only as non-executable files is reported as not executable
// (126), one that does not exist at all as not found (127).
func resolve(name string, env []string) (string, *startError) {
	if strings.Contains(name, "/") {
		if err := checkExecutable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	path, ok := lookupEnv(env, "PATH")
	if !ok {
		path = defaultPath
	}
	var firstErr *startError
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "." // POSIX: an empty PATH element is the current directory
		}
		candidate := filepath.Join(dir, name)
		if _, err := os.Stat(candidate); err != nil {
			continue // not here (or not reachable): keep searching
		}
		err := checkExecutable(candidate)
		if err == nil {
			return candidate, nil
		}
		if err.code == ExitNotExecutable && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return "", firstErr
	}
	return "", notFound("command %q not found in PATH %q", name, path)
}

func checkExecutable(path string) *startError {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR):
		return notFound("command %q not found: %w", path, err)
	case err != nil:
		return notExecutable("command %q cannot be executed: %w", path, err)
	case info.IsDir():
		return notExecutable("command %q is a directory", path)
	}
	if err := unix.Access(path, unix.X_OK); err != nil {
		return notExecutable("command %q is not executable: %w", path, err)
	}
	return nil
}

// classifyExecError maps an error from fork/exec to a start error.
func classifyExecError(path string, err error) *startError {
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
		// The file itself was found, so its interpreter or loader is missing.
		return notFound("cannot execute %q: %w", path, err)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM),
		errors.Is(err, unix.ENOEXEC), errors.Is(err, unix.EISDIR),
		errors.Is(err, unix.ETXTBSY), errors.Is(err, unix.ELIBBAD):
		return notExecutable("cannot execute %q: %w", path, err)
	default:
		return &startError{code: ExitInternal, reason: ReasonInternalError,
			err: fmt.Errorf("cannot start %q: %w", path, err)}
	}
}

func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}
