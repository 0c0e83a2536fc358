package config

import (
	"errors"
	"fmt"
	"strings"
)

// Source says where the value of a setting came from.
type Source string

// The sources of a value, in increasing precedence.
const (
	SourceDefault Source = "default"
	SourceEnv     Source = "environment"
	SourceFlag    Source = "flag"
)

// Errors a SettingError wraps, to tell kinds of problems apart.
var (
	// ErrSyntax means the value cannot be parsed.
	ErrSyntax = errors.New("malformed value")
	// ErrRange means the value parses but is not allowed.
	ErrRange = errors.New("value not allowed")
	// ErrConflict means the value clashes with another setting.
	ErrConflict = errors.New("conflicting value")
)

// SettingError is one invalid setting.
type SettingError struct {
	// Env is the environment variable, for example STAGEHAND_WEBHOOK_PORT.
	Env string
	// Flag is the flag name without dashes, for example webhook-port.
	Flag string
	// Value is the rejected value and Source where it came from.
	Value  string
	Source Source
	// Valid describes the valid values.
	Valid string
	// Err is ErrSyntax, ErrRange or ErrConflict, possibly wrapping the
	// parser's error.
	Err error
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("%s (--%s) = %q from %s: %v; want %s", e.Env, e.Flag, e.Value, e.Source, e.Err, e.Valid)
}

func (e *SettingError) Unwrap() error { return e.Err }

// InvalidError lists every invalid setting found by Load.
type InvalidError struct {
	Settings []*SettingError
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d invalid setting(s):", len(e.Settings))
	for _, s := range e.Settings {
		b.WriteString("\n  ")
		b.WriteString(s.Error())
	}
	return b.String()
}

// Unwrap returns each SettingError, for errors.Is and errors.As.
func (e *InvalidError) Unwrap() []error {
	errs := make([]error, len(e.Settings))
	for i, s := range e.Settings {
		errs[i] = s
	}
	return errs
}

// invalid is what a parser returns: the kind of problem, the detail, and
// what is valid.
type invalid struct {
	kind   error
	detail error
	valid  string
}

func (e *invalid) Error() string {
	if e.detail == nil {
		return e.kind.Error()
	}
	return e.kind.Error() + ": " + e.detail.Error()
}

func (e *invalid) Unwrap() []error {
	if e.detail == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.detail}
}
