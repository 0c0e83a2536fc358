package initcontainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/install"
)

// Usage is the help of `agent init`.
const Usage = `usage: agent init [--install] [--dir DIR] [--secrets-dir DIR] [FETCH FLAGS...]

The one init container of a stagehand pod: with --install, copies this
binary to DIR/bin/agent; then, when fetch flags are given (see agent fetch
--help), fetches the dependencies into DIR/jars and DIR/files, as agent
fetch does. DIR is /stagehand; the CA bundle and bearer token are taken from
--secrets-dir (/etc/stagehand/deps) when they are there. Exit codes are
install's, then fetch's; 10 when there is nothing to do.`

// initOptions are the flags of agent init that are not fetch's.
type initOptions struct {
	install    bool
	dir        string
	secretsDir string
	// fetch are the fetch flags, as given.
	fetch []string
}

// Main runs `agent init` with args (after the subcommand): the install,
// then the fetch, in one process, so that a pod has one init container
// however many steps it asks for. It returns the exit code: install's,
// then fetch's. It stops at SIGTERM and SIGINT as agent fetch does.
func Main(ctx context.Context, args []string, stderr io.Writer) int {
	opts, err := parseInit(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(stderr, Usage)
		return install.ExitOK
	}
	if err == nil && !opts.install && len(opts.fetch) == 0 {
		err = errors.New("nothing to do: give --install, fetch flags, or both")
	}
	if err != nil {
		slog.New(slog.NewJSONHandler(stderr, nil)).Error("init failed",
			slog.String("error", err.Error()), slog.Int("exitCode", fetch.ExitBadInput))
		return fetch.ExitBadInput
	}
	if opts.install {
		if code := install.Main([]string{filepath.Join(opts.dir, filepath.Base(agentapi.BinDir))}, stderr); code != install.ExitOK {
			return code
		}
	}
	if len(opts.fetch) == 0 {
		return install.ExitOK
	}
	deriveReportEnv(opts.dir)
	// The job is the flags alone.
	_ = os.Unsetenv(agentapi.EnvJob)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return fetch.Main(ctx, fetchArgs(opts), stderr)
}

var errHelp = errors.New("help requested")

// parseInit separates init's own flags from fetch's, which keep their
// order. A fetch flag without "=" takes the next argument as its value
// unless that starts with "-".
func parseInit(args []string) (initOptions, error) {
	opts := initOptions{dir: agentapi.Dir, secretsDir: agentapi.SecretsDir}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-"), "=")
		if !strings.HasPrefix(arg, "-") || arg == "-" || arg == "--" {
			return opts, fmt.Errorf("unexpected argument %q", arg)
		}
		switch name {
		case "h", "help":
			return opts, errHelp
		case agentapi.FlagInstall:
			opts.install = true
			if hasValue {
				b, err := strconv.ParseBool(value)
				if err != nil {
					return opts, fmt.Errorf("--%s=%s: want true or false", name, value)
				}
				opts.install = b
			}
			continue
		case "dir", "secrets-dir":
			if !hasValue {
				if i+1 == len(args) {
					return opts, fmt.Errorf("--%s needs a directory", name)
				}
				i++
				value = args[i]
			}
			if name == "dir" {
				opts.dir = value
			} else {
				opts.secretsDir = value
			}
			continue
		}
		opts.fetch = append(opts.fetch, arg)
		if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			opts.fetch = append(opts.fetch, args[i])
		}
	}
	return opts, nil
}

// fetchArgs are the flags of the fetch: what the agent derives (see
// agentapi.FlagInstall), then the flags given, which override it.
func fetchArgs(opts initOptions) []string {
	total := strconv.FormatInt(agentapi.DefaultDepsBytes, 10)
	if v, ok := flagValue(opts.fetch, "max-total-bytes"); ok {
		total = v
	}
	derived := []string{
		"--jars-dir=" + filepath.Join(opts.dir, filepath.Base(agentapi.JarsDir)),
		"--files-dir=" + filepath.Join(opts.dir, filepath.Base(agentapi.FilesDir)),
		"--max-total-bytes=" + total,
		"--max-file-bytes=" + total,
	}
	for _, f := range [][2]string{{"ca-file", agentapi.CAFileName}, {"auth-file", agentapi.TokenFileName}} {
		if path := filepath.Join(opts.secretsDir, f[1]); exists(path) {
			derived = append(derived, "--"+f[0]+"="+path)
		}
	}
	return append(derived, opts.fetch...)
}

// flagValue is the value of the last occurrence of flag name in args.
func flagValue(args []string, name string) (string, bool) {
	value, found := "", false
	for i, arg := range args {
		n, v, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-"), "=")
		if n != name || !strings.HasPrefix(arg, "-") {
			continue
		}
		if !hasValue && i+1 < len(args) {
			v = args[i+1]
		}
		value, found = v, true
	}
	return value, found
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// deriveReportEnv sets what the fetch reports under when it reports to the
// Timeline Server and the pod does not say: this container's name, and the
// spool in stagehand's emptyDir.
func deriveReportEnv(dir string) {
	if os.Getenv(agentapi.EnvTimelineURL) == "" {
		return
	}
	if os.Getenv(agentapi.EnvContainerName) == "" {
		_ = os.Setenv(agentapi.EnvContainerName, agentapi.InitContainer)
	}
	if os.Getenv(agentapi.EnvSpoolDir) == "" {
		_ = os.Setenv(agentapi.EnvSpoolDir, filepath.Join(dir, filepath.Base(agentapi.SpoolDir)))
	}
}
