package fetch

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// dependency is one parsed URI of a job. raw and fetchURL may hold secrets:
// never log them, use redacted.
type dependency struct {
	kind     string
	raw      string
	fetchURL string // raw without the fragment, sent to the server
	redacted string
	name     string // base name of the URI path
	local    bool
	// localPath is the file path of a local:// dependency.
	localPath  string
	wantSHA256 string // lowercase hex, empty when not pinned
	// partPath is where the download is written before verification.
	partPath string
	// target is the final path: the file, or the unpack directory.
	target string
	// host is the URI's host name.
	host string
}

// parseDependency parses raw as a dependency of the given kind, to be placed
// in dir (JarsDir or FilesDir), with the rules of agentapi.ParseDependency,
// which the webhook applies at admission too.
func parseDependency(kind, raw, dir string) (*dependency, error) {
	parsed, err := agentapi.ParseDependency(kind, raw, dir)
	if err != nil {
		var uriErr *agentapi.URIError
		if errors.As(err, &uriErr) {
			return nil, &Error{Code: ExitBadInput, Op: "parse URI", URI: uriErr.URI, Err: uriErr.Err}
		}
		return nil, badInput("parse URI", raw, "%w", err)
	}
	dep := &dependency{kind: kind, raw: raw, fetchURL: fetchURL(raw), redacted: parsed.Redacted,
		name: parsed.Name, local: parsed.Local, wantSHA256: parsed.SHA256, target: parsed.Path, host: parsed.Host}
	if dep.local {
		dep.localPath = parsed.Path
	} else {
		dep.partPath = filepath.Join(dir, dep.name+partSuffix)
	}
	return dep, nil
}

// fetchURL is raw, a URI ParseDependency accepted, without its fragment.
// A URI with no userinfo, query or fragment is its own fetch URL: most
// are, and they need no re-encoding.
func fetchURL(raw string) string {
	if !strings.ContainsAny(raw, "@?#") {
		return raw
	}
	parsed, err := url.Parse(raw)
	if err != nil {
		return raw // not reached: ParseDependency parsed it
	}
	parsed.Fragment, parsed.RawFragment = "", ""
	return parsed.String()
}

// parseJobDependencies parses every URI of job and rejects duplicate names
// and clashing targets.
func parseJobDependencies(job agentapi.Job) ([]*dependency, error) {
	groups := []struct {
		kind string
		uris []string
		dir  string
	}{
		{agentapi.KindJar, job.Jars, job.JarsDir},
		{agentapi.KindFile, job.Files, job.FilesDir},
		{agentapi.KindArchive, job.Archives, job.FilesDir},
	}
	var deps []*dependency
	byName := map[string]*dependency{}
	byTarget := map[string]*dependency{}
	manifestPath := filepath.Clean(job.ManifestPath)
	policy := jobPolicy(job)
	for _, group := range groups {
		for _, raw := range group.uris {
			dep, err := parseDependency(group.kind, raw, group.dir)
			if err != nil {
				return nil, err
			}
			if !dep.local {
				if err := policy.CheckHost(dep.host); err != nil {
					return nil, badInput("parse URI", raw, "%w", err)
				}
			}
			if other, ok := byName[dep.name]; ok {
				return nil, badInput("parse URI", raw, "duplicate name %q (also used by %s)", dep.name, other.redacted)
			}
			if other, ok := byTarget[dep.target]; ok && !dep.local {
				return nil, badInput("parse URI", raw, "target %s also used by %s", dep.target, other.redacted)
			}
			if !dep.local && dep.target == manifestPath {
				return nil, badInput("parse URI", raw, "target %s is the manifest path", dep.target)
			}
			byName[dep.name] = dep
			byTarget[dep.target] = dep
			deps = append(deps, dep)
		}
	}
	return deps, nil
}
