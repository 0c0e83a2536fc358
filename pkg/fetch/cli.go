package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/egress"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// Main runs `agent fetch`. args are the arguments after "fetch". The job is
// read from the STAGEHAND_FETCH_JOB environment variable (JSON Job; unknown
// fields are ignored for forward compatibility), then flags override it: a
// repeatable flag given at least once replaces the corresponding list. Logs
// are JSON lines on stderr. Whatever the outcome, it writes the termination
// message (see package termination) and, when STAGEHAND_TIMELINE_URL is
// set, reports to the Timeline Server. It returns the process exit code
// (see doc.go).
func Main(ctx context.Context, args []string, stderr io.Writer) int {
	started := time.Now()
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	job, termLog, err := parseArgs(args, os.Getenv(agentapi.EnvJob), stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	termPath, create := termination.Path(termLog)
	if err != nil {
		termPath, create = termination.PathFromArgs(args)
	}
	obs := &observer{}
	report := startReport(job, args, obs, log)
	var manifest *Manifest
	if err == nil {
		manifest, err = run(ctx, job, log, nil, obs)
	}
	summary := summarize(obs.progress.Load(), time.Since(started), err)
	var errText string
	if err != nil {
		errText = obs.progress.Load().scrub(err.Error())
		log.Error("fetch failed", slog.String("error", errText),
			slog.Int("exitCode", summary.ExitCode), slog.Int("failed", summary.Failed))
	}
	// Before the report's flush, which may take its whole timeout.
	writeTermination(termPath, create, summary, log)
	report.finish(ctx, manifest, summary, errText)
	return summary.ExitCode
}

// writeTermination writes summary, bounded to the kubelet's limit, to the
// termination log at path; a failure is only logged.
func writeTermination(path string, create bool, summary termination.Fetch, log *slog.Logger) {
	data, _, err := summary.Encode(termination.MaxBytes)
	if err == nil {
		err = termination.Write(path, create, data)
	}
	if err != nil {
		log.Warn("cannot write the termination message", slog.String("path", path), slog.String("error", err.Error()))
	}
}

// parseArgs decodes envJSON (if not empty) and applies the flags in args on
// top. termLog is the --termination-log flag's value, "" when not given.
// It returns flag.ErrHelp after printing usage for -h/--help.
func parseArgs(args []string, envJSON string, usageOutput io.Writer) (job agentapi.Job, termLog string, err error) {
	if strings.TrimSpace(envJSON) != "" {
		decoder := json.NewDecoder(strings.NewReader(envJSON))
		if err := decoder.Decode(&job); err != nil {
			return agentapi.Job{}, "", badInput("decode "+agentapi.EnvJob, "", "%w", err)
		}
	}
	flags := newFlagSet(&job, &termLog)
	var usage bytes.Buffer
	flags.SetOutput(&usage)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = io.Copy(usageOutput, &usage)
			return agentapi.Job{}, "", err
		}
		return agentapi.Job{}, "", badInput("parse flags", "", "%w", err)
	}
	if flags.NArg() > 0 {
		return agentapi.Job{}, "", badInput("parse flags", "", "unexpected argument %q", flags.Arg(0))
	}
	return job, termLog, nil
}

// newFlagSet binds flags to the fields of job, so that only flags actually
// given override what the environment set, and --termination-log to
// termLog.
func newFlagSet(job *agentapi.Job, termLog *string) *flag.FlagSet {
	flags := flag.NewFlagSet("agent fetch", flag.ContinueOnError)
	flags.StringVar(termLog, termination.Flag, "", "termination message path (default $"+termination.EnvPath+", else "+termination.DefaultPath+" when it exists)")
	flags.StringVar(&job.JarsDir, "jars-dir", job.JarsDir, "directory receiving jars")
	flags.StringVar(&job.FilesDir, "files-dir", job.FilesDir, "directory receiving files and unpacked archives")
	flags.Var(&uriList{target: &job.Jars}, "jar", "jar URI (repeatable)")
	flags.Var(&uriList{target: &job.Files}, "file", "file URI (repeatable)")
	flags.Var(&uriList{target: &job.Archives}, "archive", "archive URI, .tar.gz/.tgz/.zip (repeatable)")
	flags.IntVar(&job.Parallelism, "parallelism", job.Parallelism, "concurrent downloads (default 5)")
	flags.Var((*durationFlag)(&job.Timeout), "timeout", "overall timeout (default 5m)")
	flags.Var((*durationFlag)(&job.ConnectTimeout), "connect-timeout", "connect and TLS handshake timeout (default 10s)")
	flags.Var((*durationFlag)(&job.StallTimeout), "stall-timeout", "fail an attempt after this long without data (default 30s)")
	flags.Var((*durationFlag)(&job.FileTimeout), "file-timeout", "per-dependency timeout (default: none beyond --timeout)")
	flags.Int64Var(&job.MaxFileBytes, "max-file-bytes", job.MaxFileBytes, "largest download in bytes (default 2 GiB)")
	flags.Int64Var(&job.MaxTotalBytes, "max-total-bytes", job.MaxTotalBytes, "largest sum of downloads in bytes (default 8 GiB)")
	flags.StringVar(&job.ManifestPath, "manifest", job.ManifestPath, "manifest path (default <jars-dir>/"+agentapi.ManifestFileName+")")
	flags.StringVar(&job.CAFile, "ca-file", job.CAFile, "PEM bundle trusted in addition to system roots")
	flags.StringVar(&job.AuthFile, "auth-file", job.AuthFile, "file holding a bearer token")
	flags.Var((*hostsFlag)(&job.AllowedHosts), "allowed-hosts",
		"comma-separated host globs (path.Match syntax) that URIs and redirects may name; replaces the job's allowedHosts (default: the job's, or any host)")
	return flags
}

// hostsFlag is --allowed-hosts: like every flag, it replaces what the
// environment set. It may not be empty, so that a typo cannot lift an
// allowlist.
type hostsFlag []string

func (h *hostsFlag) String() string {
	if h == nil {
		return ""
	}
	return strings.Join(*h, ",")
}

func (h *hostsFlag) Set(value string) error {
	hosts, err := egress.ParseHosts(value)
	if err != nil {
		return err
	}
	if len(hosts) == 0 {
		return errors.New("no host glob given")
	}
	*h = hosts
	return nil
}

// uriList is a repeatable flag. The first use replaces the list from the
// environment; later uses append.
type uriList struct {
	target *[]string
	set    bool
}

func (l *uriList) String() string {
	if l == nil || l.target == nil {
		return ""
	}
	return strings.Join(*l.target, ",")
}

func (l *uriList) Set(value string) error {
	if !l.set {
		*l.target = nil
		l.set = true
	}
	*l.target = append(*l.target, value)
	return nil
}

// durationFlag adapts a Duration field to flag.Value.
type durationFlag agentapi.Duration

func (d *durationFlag) String() string {
	if d == nil {
		return "0s"
	}
	return time.Duration(*d).String()
}

func (d *durationFlag) Set(value string) error {
	parsed, err := time.ParseDuration(value)
	if err != nil {
		return err
	}
	*d = durationFlag(parsed)
	return nil
}
