package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/kelseyhightower/envconfig"
)

// rawFlag is a flag that stores its value unparsed into a setting, so that
// Load validates flags and environment variables alike.
type rawFlag struct{ s *setting }

var _ flag.Value = rawFlag{}

func (f rawFlag) String() string {
	if f.s == nil {
		return ""
	}
	return *f.s.raw
}

func (f rawFlag) Set(v string) error { *f.s.raw = v; return nil }

// IsBoolFlag lets a boolean setting be given as a bare --flag.
func (f rawFlag) IsBoolFlag() bool { return f.s != nil && f.s.bool }

// Load reads the settings from the environment (prefix STAGEHAND_), applies
// the flags in args over them, and validates the result. args are the
// arguments after the subcommand; positional arguments are rejected.
//
// Every invalid setting is reported at once in an *InvalidError. A help
// flag (-h, --help) returns an error wrapping flag.ErrHelp; print Usage then.
func Load(args []string) (Webhook, error) {
	e, err := processEnv()
	if err != nil {
		return Webhook{}, err
	}
	return load(source{command: "serve", args: args, env: e, keep: func(setting) bool { return true }, lookup: os.LookupEnv, readFile: os.ReadFile})
}

// LoadInjection reads only the settings that shape injection (strict mode,
// agent image, allowed dependency hosts, entrypoints), for `webhook inject`,
// so that offline injection matches the server's. extra registers the
// command's own flags on the same flag set.
func LoadInjection(args []string, extra func(*flag.FlagSet)) (Webhook, error) {
	e, err := processEnv()
	if err != nil {
		return Webhook{}, err
	}
	return load(source{command: "inject", args: args, env: e, keep: isInjection, extra: extra, lookup: os.LookupEnv, readFile: os.ReadFile})
}

// processEnv is every setting's raw value from the process environment.
func processEnv() (env, error) {
	var e env
	if err := envconfig.Process(Prefix, &e); err != nil {
		return env{}, fmt.Errorf("reading environment: %w", err)
	}
	return e, nil
}

func isInjection(s setting) bool { return s.injection }

// source is where load reads settings from: the command's flags, an
// environment and files.
type source struct {
	command string
	args    []string
	// env holds the raw value of every setting before the flags apply.
	env env
	// keep selects the settings to parse and report.
	keep func(setting) bool
	// everyFlag accepts the flags of every setting, parsing only those
	// keep selects.
	everyFlag bool
	extra     func(*flag.FlagSet)
	// lookup tells where a value came from; readFile reads the files
	// settings name.
	lookup   func(string) (string, bool)
	readFile func(string) ([]byte, error)
}

func load(src source) (Webhook, error) {
	e := src.env
	var ss, flagged []setting
	for _, s := range settings(&e, src.readFile) {
		if src.keep(s) {
			ss = append(ss, s)
		}
		if src.everyFlag || src.keep(s) {
			flagged = append(flagged, s)
		}
	}
	fs := newFlagSet(src.command, flagged)
	if src.extra != nil {
		src.extra(fs)
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(src.args); err != nil {
		return Webhook{}, fmt.Errorf("parsing flags: %w", err)
	}
	if fs.NArg() > 0 {
		return Webhook{}, fmt.Errorf("parsing flags: unexpected argument %q", fs.Arg(0))
	}
	fromFlag := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { fromFlag[f.Name] = true })

	var (
		w   Webhook
		bad InvalidError
	)
	given := func(s *setting) bool { _, ok := src.lookup(s.env); return ok }
	report := func(s *setting, err error) {
		bad.Settings = append(bad.Settings, newSettingError(s, fromFlag[s.flag], given(s), err))
	}
	ok := map[*setting]bool{}
	for i := range ss {
		s := &ss[i]
		if err := s.parse(*s.raw, &w); err != nil {
			report(s, err)
			continue
		}
		ok[s] = true
		if fromFlag[s.flag] || given(s) {
			w.Given = append(w.Given, s.env)
		}
	}
	for _, c := range conflicts(listeners(ss, ok, &w)) {
		report(c[0].setting, &invalidConflict{with: c[1].setting.env})
	}
	if len(bad.Settings) > 0 {
		return Webhook{}, &bad
	}
	return w, nil
}

// listeners returns the addresses of the servers whose settings are valid.
func listeners(ss []setting, ok map[*setting]bool, w *Webhook) []listener {
	var ls []listener
	for i := range ss {
		s := &ss[i]
		if !ok[s] {
			continue
		}
		switch s.flag {
		case "webhook-port":
			ls = append(ls, listener{setting: s, port: strconv.Itoa(w.Port)})
		case "health-addr", "metrics-addr":
			if s.flag == "metrics-addr" && !w.MetricsEnabled() {
				continue
			}
			host, port, _ := net.SplitHostPort(*s.raw)
			port = strings.TrimLeft(port, "0")
			ls = append(ls, listener{setting: s, host: host, port: port})
		}
	}
	return ls
}

// invalidConflict is a listen address that another server already takes.
type invalidConflict struct{ with string }

func (e *invalidConflict) Error() string { return ErrConflict.Error() + ": same port as " + e.with }

func (e *invalidConflict) Unwrap() error { return ErrConflict }

func newSettingError(s *setting, fromFlag, fromEnv bool, err error) *SettingError {
	se := &SettingError{Env: s.env, Flag: s.flag, Value: *s.raw, Source: SourceDefault, Err: err}
	switch {
	case fromFlag:
		se.Source = SourceFlag
	case fromEnv:
		se.Source = SourceEnv
	}
	var inv *invalid
	var conflict *invalidConflict
	switch {
	case errors.As(err, &inv):
		se.Valid = inv.valid
	case errors.As(err, &conflict):
		se.Valid = validDistinct
	}
	return se
}

func newFlagSet(command string, ss []setting) *flag.FlagSet {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	for i := range ss {
		s := &ss[i]
		fs.Var(rawFlag{s: s}, s.flag, s.usage+" (env "+s.env+")")
	}
	return fs
}

// Usage writes the flags of Load, with their current defaults (from the
// environment or built in) and their environment variables.
func Usage(out io.Writer) {
	var e env
	if err := envconfig.Process(Prefix, &e); err != nil {
		fmt.Fprintf(out, "reading environment: %v\n", err)
	}
	fs := newFlagSet("serve", settings(&e, os.ReadFile))
	fs.SetOutput(out)
	fs.PrintDefaults()
}
