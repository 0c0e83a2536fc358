package supervise

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// Usage is the synopsis of `agent run`.
const Usage = "usage: agent run [--timeout D] [--grace D] [--manifest PATH] [--termination-log PATH] -- CMD [ARGS...]"

// Main implements `agent run`. args are the arguments after the subcommand
// word; the result is the exit code. The agent's own log lines go to stderr
// as JSON; the task inherits the agent's stdin, stdout and stderr.
func Main(ctx context.Context, args []string, stderr io.Writer) int {
	signals := catchSignals()
	start := time.Now()
	log := slog.New(slog.NewJSONHandler(stderr, nil)).With("component", Component)

	opts, err := ParseArgs(args)
	if err != nil {
		path, create := termination.PathFromArgs(args)
		r := failure(ExitInternal, ReasonInternalError, start, "invalid arguments: %v", err)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, Usage)
			r = failure(0, ReasonCompleted, start, "usage requested")
		} else {
			log.Error("invalid arguments", "error", err, "usage", Usage)
		}
		if werr := WriteTerminationMessage(path, create, r); werr != nil {
			log.Warn("cannot write termination message", "path", path, "error", werr)
		}
		return r.ExitCode
	}
	opts.Logger = log
	opts.signals = signals
	reporter := startTimeline(&opts, log)
	if reporter != nil {
		opts.Observer = reporter
	}
	code := Run(ctx, opts).ExitCode
	reporter.close(opts.grace())
	return code
}

// ParseArgs parses the arguments of `agent run` into Options. Flags may be
// written with one or two dashes; the command follows "--" (or the first
// argument that is not a flag). The termination log is the
// --termination-log flag, else $STAGEHAND_TERMINATION_LOG, else
// /dev/termination-log, which is only written when it already exists.
func ParseArgs(args []string) (Options, error) {
	var opts Options
	fs := flag.NewFlagSet("agent run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.DurationVar(&opts.Timeout, agentapi.FlagTimeout, 0, "stop the task after this long (0: never)")
	fs.DurationVar(&opts.Grace, agentapi.FlagGrace, DefaultGrace, "time between TERM and KILL")
	fs.StringVar(&opts.ManifestPath, agentapi.FlagManifest, "", "fetch manifest that must exist before the task starts")
	var termLog string
	fs.StringVar(&termLog, termination.Flag, "", "termination message path")
	if err := fs.Parse(args); err != nil {
		return Options{}, fmt.Errorf("parse flags: %w", err)
	}
	opts.TerminationLog, opts.CreateTerminationLog = termination.Path(termLog)
	opts.Command = fs.Args()
	if opts.Grace == 0 {
		return opts, errors.New("--grace must be positive")
	}
	if err := opts.validate(); err != nil {
		return opts, err
	}
	return opts, nil
}
