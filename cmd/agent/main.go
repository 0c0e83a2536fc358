package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/initcontainer"
	"github.com/stagehand-k8s/stagehand/pkg/install"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
	"github.com/stagehand-k8s/stagehand/pkg/version"
)

const usage = `usage: agent <command> [arguments]

commands:
  run      supervise a task: agent run [flags] -- CMD [ARGS...]
  init     the init container: agent init [--install] [fetch flags]
  fetch    download dependencies and write the manifest
  install  copy this binary: agent install DIR
  version  print the version`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return supervise.ExitInternal
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case agentapi.CommandRun:
		// supervise handles every signal itself (it forwards them).
		return supervise.Main(ctx, rest, stderr)
	case agentapi.CommandFetch:
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		return fetch.Main(ctx, rest, stderr)
	case agentapi.CommandInit:
		return initcontainer.Main(ctx, rest, stderr)
	case agentapi.CommandInstall:
		return install.Main(rest, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, version.String())
		return 0
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "agent: unknown command %q\n%s\n", cmd, usage)
		return supervise.ExitInternal
	}
}
