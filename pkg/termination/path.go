package termination

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// DefaultPath is the Kubernetes default terminationMessagePath.
const DefaultPath = "/dev/termination-log"

// EnvPath names the environment variable that overrides DefaultPath when
// the flag is not given.
const EnvPath = "STAGEHAND_TERMINATION_LOG"

// Flag is the name of the flag that sets the path, without dashes.
const Flag = "termination-log"

// Path applies the precedence flag, environment, default to flagValue, the
// flag's value ("" when not given). Only the default path is never
// created.
func Path(flagValue string) (path string, create bool) {
	if flagValue != "" {
		return flagValue, true
	}
	if env := os.Getenv(EnvPath); env != "" {
		return env, true
	}
	return DefaultPath, false
}

// PathFromArgs finds --termination-log (or -termination-log, with its
// value after '=' or in the next argument) in arguments that failed to
// parse, so that even a flag error leaves a termination message, and
// applies Path. It stops at "--".
func PathFromArgs(args []string) (path string, create bool) {
	var value string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != Flag {
			continue
		}
		if hasValue {
			value = v
		} else if i+1 < len(args) {
			value = args[i+1]
			i++
		}
	}
	return Path(value)
}

// Write replaces the content of path with data. Unless create is set, a
// path that does not exist is skipped silently. An empty path writes
// nothing.
func Write(path string, create bool, data []byte) error {
	if path == "" {
		return nil
	}
	flags := os.O_WRONLY | os.O_TRUNC
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		if !create && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("open termination log: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write termination log: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close termination log: %w", err)
	}
	return nil
}
