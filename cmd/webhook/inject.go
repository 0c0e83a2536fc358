package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
	"github.com/stagehand-k8s/stagehand/pkg/profiles"
)

// stdinName as the file reads standard input.
const stdinName = "-"

// runInject injects the manifests of -f into stdout. Warnings go to
// stderr; on a denial nothing is written to stdout.
func runInject(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var file, profilesFile, namespace string
	cfg, err := config.LoadInjection(args, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "f", "", "manifest `file` to inject, or - for standard input (required)")
		fs.StringVar(&profilesFile, "profiles", "", "`file` of InjectionProfiles that may select the pods, as in the cluster (docs/profiles.md)")
		fs.StringVar(&namespace, "namespace", "", "`namespace` of the objects and profiles that name none (default \"default\")")
	})
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "usage: webhook inject -f FILE|- [--profiles FILE] [--namespace NS] [--strict] [--agent-image IMAGE] [--allowed-dependency-hosts GLOBS] [--entrypoints FILE]")
		return nil
	}
	if err != nil {
		return fmt.Errorf("inject: %w", err)
	}
	if file == "" {
		return fmt.Errorf("inject: -f is required (a file, or - for standard input)")
	}
	if err := offline.UseShipped(&cfg); err != nil {
		return fmt.Errorf("inject: %w", err)
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
	injector := offline.Injector{Injector: inject.New(cfg.InjectOptions()), Namespace: cmp.Or(namespace, metav1.NamespaceDefault)}
	if profilesFile != "" {
		list, warnings, err := readProfiles(profilesFile, injector.Namespace, cfg.InjectOptions())
		for _, w := range warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
		if err != nil {
			return fmt.Errorf("inject: profiles %s: %w", profilesFile, err)
		}
		injector.Profiles = list
	}
	if err := injector.Run(in, stdout, stderr); err != nil {
		return fmt.Errorf("inject %s: %w", file, err)
	}
	return nil
}

// readProfiles reads and validates the InjectionProfiles of a file.
func readProfiles(path, namespace string, opts inject.Options) ([]v1alpha1.InjectionProfile, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return profiles.Read(f, namespace, opts)
}
