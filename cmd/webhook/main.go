package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/version"
)

const usage = `usage: webhook [command] [flags]

commands:
  serve    run the admission webhook (the default); see webhook serve -h
  inject   inject manifests offline: webhook inject -f FILE|- [--strict] [--agent-image IMAGE] ...
  version  print the version`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	// Flags without a command are the flags of serve, except help.
	cmd, rest := "serve", args
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			cmd, rest = "help", nil
		case !strings.HasPrefix(a, "-"):
			cmd, rest = a, args[1:]
		}
	}
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "inject":
		return runInject(rest, stdin, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, version.String())
		return nil
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}
