package podrunner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Image metadata files at the top of an image directory. They describe the
// image and are not part of its filesystem.
const (
	entrypointFile = ".entrypoint"
	cmdFile        = ".cmd"
	envFile        = ".env"
)

// image is an image fixture: a directory plus its ENTRYPOINT, CMD and ENV.
type image struct {
	ref        string
	dir        string // "" for the empty image
	entrypoint []string
	cmd        []string
	env        []string
}

func loadImage(fx *Fixtures, ref string) (*image, error) {
	dir, ok := fx.Images[ref]
	if !ok {
		return nil, fmt.Errorf("image %q: no fixture (map it in Fixtures.Images; \"\" runs on the host directories only)", ref)
	}
	img := &image{ref: ref}
	if dir == "" {
		return img, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("image %q: %s is not a directory", ref, dir)
	}
	img.dir = abs
	if img.entrypoint, err = readJSONArgs(filepath.Join(abs, entrypointFile)); err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	if img.cmd, err = readJSONArgs(filepath.Join(abs, cmdFile)); err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	if img.env, err = readEnvFile(filepath.Join(abs, envFile)); err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	return img, nil
}

func readJSONArgs(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var args []string
	if err := json.Unmarshal(data, &args); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of strings: %w", filepath.Base(path), err)
	}
	return args, nil
}

func readEnvFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var env []string
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, _, ok := strings.Cut(line, "="); !ok || k == "" {
			return nil, fmt.Errorf("%s: %q is not KEY=VALUE", envFile, line)
		}
		env = append(env, line)
	}
	return env, s.Err()
}

// argv applies the Kubernetes rules: command replaces ENTRYPOINT (and drops
// CMD), args replace CMD; both are $(VAR)-expanded with the pod-defined
// environment.
func argv(c *corev1.Container, img *image, vars map[string]string) ([]string, error) {
	var out []string
	switch {
	case len(c.Command) > 0:
		out = expandAll(c.Command, vars)
		out = append(out, expandAll(c.Args, vars)...)
	case len(c.Args) > 0:
		out = append(append(out, img.entrypoint...), expandAll(c.Args, vars)...)
	default:
		out = append(append(out, img.entrypoint...), img.cmd...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no command specified: the container has no command and image %q no %s", img.ref, entrypointFile)
	}
	return out, nil
}

func expandAll(in []string, vars map[string]string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, lookupIn(vars))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hostname is the pod's hostname: spec.hostname, else the pod name, cut to
// 63 characters.
func hostname(pod *corev1.Pod) string {
	h := pod.Spec.Hostname
	if h == "" {
		h = pod.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}
