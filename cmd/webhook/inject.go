package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

// stdinName as the file reads standard input.
const stdinName = "-"

// runInject injects the manifests of -f into stdout. Warnings go to
// stderr; on a denial nothing is written to stdout.
func runInject(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var file string
	cfg, err := config.LoadInjection(args, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "f", "", "manifest `file` to inject, or - for standard input (required)")
	})
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "usage: webhook inject -f FILE|- [--strict] [--agent-image IMAGE] [--allowed-dependency-hosts GLOBS] [--entrypoints FILE]")
		return nil
	}
	if err != nil {
		return fmt.Errorf("inject: %w", err)
	}
	if file == "" {
		return fmt.Errorf("inject: -f is required (a file, or - for standard input)")
	}
	in := stdin
	if file != stdinName {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("inject: %w", err)
		}
		defer f.Close()
		in = f
	}
	// Buffered, so that a failure leaves stdout empty whatever the reader.
	var out bytes.Buffer
	warnings, err := offline.Inject(in, &out, inject.New(cfg.InjectOptions()))
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		return fmt.Errorf("inject %s: %w", file, err)
	}
	if _, err := out.WriteTo(stdout); err != nil {
		return fmt.Errorf("inject: writing output: %w", err)
	}
	return nil
}
