package install

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// Main runs `agent install DIR`. args are the arguments after "install".
// Logs are JSON lines on stderr. It returns the process exit code.
func Main(args []string, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stderr, "usage: agent install DIR")
		return ExitOK
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	if len(args) != 1 || args[0] == "" {
		log.Error("install failed", slog.String("error", "usage: agent install DIR"), slog.Int("exitCode", ExitBadInput))
		return ExitBadInput
	}
	executable, err := os.Executable()
	if err == nil {
		executable, err = filepath.EvalSymlinks(executable)
	}
	if err == nil {
		var result Result
		result, err = Install(executable, args[0])
		if err == nil {
			log.Info("install complete", slog.String("path", result.Path), slog.Bool("changed", result.Changed))
			return ExitOK
		}
	}
	log.Error("install failed", slog.String("error", err.Error()), slog.Int("exitCode", ExitLocalIO))
	return ExitLocalIO
}
