package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/egress"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// MaxShutdownDelay bounds ShutdownDelay: longer than any sensible
// terminationGracePeriodSeconds, short enough to catch a missing unit
// ("5000s" meant as milliseconds).
const MaxShutdownDelay = 10 * time.Minute

// What each setting accepts, as SettingError.Valid reports it.
const (
	validPort     = "an integer port from 1 to 65535"
	validDir      = "a non-empty directory path"
	validAddr     = "host:port with a port from 1 to 65535, for example :8081 or 127.0.0.1:8081"
	validMetrics  = "host:port with a port from 1 to 65535, or 0 to disable"
	validDelay    = "a Go duration from 0s to 10m0s, for example 5s"
	validBool     = "true or false"
	validLevel    = "one of info, debug, trace"
	validFormat   = "one of json, text"
	validDistinct = "a port no other server of the webhook listens on"
	validImage    = "an image reference without spaces"
	validHosts    = egress.Syntax
	validEntry    = "a readable YAML file mapping image references, or patterns such as apache/spark:*, to non-empty entrypoint lists"
)

func parseWebhookPort(raw string, w *Webhook) error {
	p, err := parsePort(raw, validPort)
	w.Port = p
	return err
}

func parsePort(raw, valid string) (int, error) {
	p, err := strconv.Atoi(raw)
	if err != nil {
		return 0, &invalid{kind: ErrSyntax, valid: valid}
	}
	if p < 1 || p > 65535 {
		return 0, &invalid{kind: ErrRange, valid: valid}
	}
	return p, nil
}

func parseCertDir(raw string, w *Webhook) error {
	if strings.TrimSpace(raw) == "" {
		return &invalid{kind: ErrRange, valid: validDir}
	}
	w.CertDir = raw
	return nil
}

func parseHealthAddr(raw string, w *Webhook) error {
	if err := checkAddr(raw, validAddr); err != nil {
		return err
	}
	w.HealthAddr = raw
	return nil
}

func parseMetricsAddr(raw string, w *Webhook) error {
	if raw != MetricsDisabled {
		if err := checkAddr(raw, validMetrics); err != nil {
			return err
		}
	}
	w.MetricsAddr = raw
	return nil
}

func checkAddr(raw, valid string) error {
	_, port, err := net.SplitHostPort(raw)
	if err != nil {
		return &invalid{kind: ErrSyntax, detail: unwrapAddrError(err), valid: valid}
	}
	_, err = parsePort(port, valid)
	return err
}

// unwrapAddrError drops the address that net.AddrError repeats.
func unwrapAddrError(err error) error {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return errors.New(ae.Err)
	}
	return err
}

func parseShutdownDelay(raw string, w *Webhook) error {
	d, err := time.ParseDuration(raw)
	if err != nil {
		return &invalid{kind: ErrSyntax, valid: validDelay}
	}
	if d < 0 || d > MaxShutdownDelay {
		return &invalid{kind: ErrRange, valid: validDelay}
	}
	w.ShutdownDelay = d
	return nil
}

// parseBool parses a boolean setting into the field of a Webhook that
// field returns.
func parseBool(field func(*Webhook) *bool) func(raw string, w *Webhook) error {
	return func(raw string, w *Webhook) error {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return &invalid{kind: ErrSyntax, valid: validBool}
		}
		*field(w) = b
		return nil
	}
}

var (
	parseStrict   = parseBool(func(w *Webhook) *bool { return &w.Strict })
	parseProfiles = parseBool(func(w *Webhook) *bool { return &w.Profiles })
)

// parseKubeconfig keeps the path; whether it is readable is checked when
// the webhook builds its client, with the error of client-go's loader.
func parseKubeconfig(raw string, w *Webhook) error {
	w.Kubeconfig = strings.TrimSpace(raw)
	return nil
}

// MaxCacheSize bounds CacheSize: at most 64 KiB an entry, the cache stays
// within 1 GiB even when full of the largest pods.
const MaxCacheSize = 16384

var validCacheSize = "an integer from 0 to " + strconv.Itoa(MaxCacheSize)

func parseCacheSize(raw string, w *Webhook) error {
	n, err := strconv.Atoi(raw)
	if err != nil {
		return &invalid{kind: ErrSyntax, valid: validCacheSize}
	}
	if n < 0 || n > MaxCacheSize {
		return &invalid{kind: ErrRange, valid: validCacheSize}
	}
	w.CacheSize = n
	return nil
}

func parseLogLevel(raw string, w *Webhook) error {
	switch l := LogLevel(strings.ToLower(raw)); l {
	case LogInfo, LogDebug, LogTrace:
		w.LogLevel = l
		return nil
	}
	return &invalid{kind: ErrRange, valid: validLevel}
}

func parseLogFormat(raw string, w *Webhook) error {
	switch f := LogFormat(strings.ToLower(raw)); f {
	case LogJSON, LogText:
		w.LogFormat = f
		return nil
	}
	return &invalid{kind: ErrRange, valid: validFormat}
}

func parseAgentImage(raw string, w *Webhook) error {
	if strings.ContainsFunc(raw, unicode.IsSpace) {
		return &invalid{kind: ErrSyntax, valid: validImage}
	}
	w.AgentImage = raw
	if raw == "" {
		w.AgentImage = DefaultAgentImage()
	}
	return nil
}

func parseAllowedHosts(raw string, w *Webhook) error {
	hosts, err := egress.ParseHosts(raw)
	if err != nil {
		return &invalid{kind: ErrSyntax, valid: validHosts}
	}
	w.AllowedDependencyHosts = hosts
	return nil
}

// parseEntrypoints reads the entrypoint map, through readFile, at
// startup; the webhook reloads it when the file changes (ReadEntrypoints).
func parseEntrypoints(readFile func(string) ([]byte, error)) func(raw string, w *Webhook) error {
	return func(raw string, w *Webhook) error {
		w.EntrypointsFile, w.Entrypoints = raw, nil
		if raw == "" {
			return nil
		}
		m, err := readEntrypoints(readFile, raw)
		if err != nil {
			return err
		}
		w.Entrypoints = m
		return nil
	}
}

// ReadEntrypoints reads and checks an entrypoint map file: YAML mapping
// image references or path.Match patterns to non-empty entrypoints.
func ReadEntrypoints(file string) (inject.Entrypoints, error) {
	return readEntrypoints(os.ReadFile, file)
}

func readEntrypoints(readFile func(string) ([]byte, error), file string) (inject.Entrypoints, error) {
	data, err := readFile(file)
	if err != nil {
		return nil, &invalid{kind: ErrRange, valid: validEntry, detail: err}
	}
	return ParseEntrypoints(data)
}

// ParseEntrypoints parses and checks the YAML of an entrypoint map, as
// ReadEntrypoints does a file's, naming every invalid entry, in order.
func ParseEntrypoints(data []byte) (inject.Entrypoints, error) {
	var m inject.Entrypoints
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		return nil, &invalid{kind: ErrSyntax, valid: validEntry, detail: err}
	}
	var bad *invalid
	for _, image := range slices.Sorted(maps.Keys(m)) {
		var problem error
		kind := ErrSyntax
		if _, err := path.Match(image, ""); err != nil || image == "" {
			problem = fmt.Errorf("image %q is not a valid reference or pattern", image)
		} else if ep := m[image]; len(ep) == 0 || ep[0] == "" {
			problem, kind = fmt.Errorf("image %q has an empty entrypoint", image), ErrRange
		}
		if problem == nil {
			continue
		}
		if bad == nil {
			bad = &invalid{kind: kind, valid: validEntry, detail: problem}
			continue
		}
		bad.detail = fmt.Errorf("%w; %w", bad.detail, problem)
	}
	if bad != nil {
		return nil, bad
	}
	return m, nil
}

// listener is one server's address, for finding servers on the same port.
type listener struct {
	setting *setting
	host    string
	port    string
}

// conflicts returns the listeners, after the first, that share a port with
// an earlier one on an overlapping host, paired with that earlier one.
func conflicts(ls []listener) [][2]listener {
	var out [][2]listener
	for i, l := range ls {
		for _, prev := range ls[:i] {
			if l.port == prev.port && hostsOverlap(l.host, prev.host) {
				out = append(out, [2]listener{l, prev})
				break
			}
		}
	}
	return out
}

// hostsOverlap reports whether two listen hosts can claim the same socket.
func hostsOverlap(a, b string) bool {
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return a == b || wildcard(a) || wildcard(b)
}
