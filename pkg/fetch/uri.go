package fetch

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// Dependency kinds, as recorded in Entry.Kind.
const (
	KindJar     = "jar"
	KindFile    = "file"
	KindArchive = "archive"
)

// archiveSuffixes are stripped from an archive's name to get its unpack
// directory. Longest first so ".tar.gz" wins over ".gz".
var archiveSuffixes = []string{".tar.gz", ".tgz", ".zip"}

// dependency is one parsed URI of a job. raw may hold secrets: never log it,
// use redacted.
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
	// host is the URI's host name; credentials is true when the URI carries
	// userinfo or a query string.
	host        string
	credentials bool
}

// parseDependency parses raw as a dependency of the given kind, to be placed
// in dir (JarsDir or FilesDir).
func parseDependency(kind, raw, dir string) (*dependency, error) {
	const op = "parse URI"
	parsed, err := url.Parse(raw)
	if err != nil {
		return nil, badInput(op, raw, "invalid URI")
	}
	dep := &dependency{kind: kind, raw: raw, host: parsed.Hostname(),
		credentials: parsed.User != nil || parsed.RawQuery != "" || parsed.ForceQuery}
	// A URI with no userinfo, query or fragment is its own redacted form
	// and fetch URL: most are, and they need no re-encoding.
	plain := !strings.ContainsAny(raw, "@?#")
	dep.redacted = redaction.URL(raw)
	if parsed.Fragment != "" {
		sum, ok := strings.CutPrefix(parsed.Fragment, "sha256=")
		if !ok || len(sum) != 64 || !isHex(sum) {
			return nil, badInput(op, raw, "fragment must be #sha256=<64 hex digits>")
		}
		dep.wantSHA256 = strings.ToLower(sum)
	}
	if dep.fetchURL = raw; !plain {
		withoutFragment := *parsed
		withoutFragment.Fragment, withoutFragment.RawFragment = "", ""
		dep.fetchURL = withoutFragment.String()
	}

	var filePath string
	switch scheme := strings.ToLower(parsed.Scheme); scheme {
	case "http", "https":
		if parsed.Host == "" {
			return nil, badInput(op, raw, "%s URI has no host", scheme)
		}
		filePath = parsed.Path
	case "local":
		filePath = parsed.Path
		if parsed.Opaque != "" {
			filePath = parsed.Opaque
		}
		if parsed.Host != "" || !path.IsAbs(filePath) {
			return nil, badInput(op, raw, "local URI must be local:///absolute/path")
		}
		if dep.wantSHA256 != "" {
			return nil, badInput(op, raw, "local URIs are not checked; remove the #sha256 fragment")
		}
		dep.local = true
		dep.localPath = path.Clean(filePath)
	case "":
		return nil, badInput(op, raw, "URI has no scheme; want https://, http:// or local://")
	default:
		if prefix := scheme + "://"; len(raw) < len(prefix) || !strings.EqualFold(raw[:len(prefix)], prefix) {
			// "user:password@host/x.jar": the "scheme" is a user name.
			return nil, badInput(op, raw, "URI has no scheme://; want https://, http:// or local://")
		}
		return nil, badInput(op, raw, "unsupported scheme %q; want https, http or local", scheme)
	}

	dep.name = path.Base(filePath)
	if filePath == "" || dep.name == "/" || dep.name == "." || dep.name == ".." {
		return nil, badInput(op, raw, "URI path has no file name")
	}
	if dep.local {
		dep.target = dep.localPath
		return dep, nil
	}
	dep.partPath = filepath.Join(dir, dep.name+partSuffix)
	dep.target = filepath.Join(dir, dep.name)
	if kind == KindArchive {
		dirName, ok := archiveDirName(dep.name)
		if !ok {
			return nil, badInput(op, raw, "archive name %q must end in .tar.gz, .tgz or .zip", dep.name)
		}
		dep.target = filepath.Join(dir, dirName)
	}
	return dep, nil
}

// archiveDirName strips a supported archive suffix (case-insensitively) from
// name. It reports false for unsupported names or an empty result.
func archiveDirName(name string) (string, bool) {
	lower := strings.ToLower(name)
	for _, suffix := range archiveSuffixes {
		if strings.HasSuffix(lower, suffix) {
			dirName := name[:len(name)-len(suffix)]
			return dirName, dirName != "" && dirName != "." && dirName != ".."
		}
	}
	return "", false
}

// isHex reports whether text is an even number of hex digits.
func isHex(text string) bool {
	for i := range len(text) {
		if c := text[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return len(text)%2 == 0
}

// parseJobDependencies parses every URI of job and rejects duplicate names
// and clashing targets.
func parseJobDependencies(job Job) ([]*dependency, error) {
	groups := []struct {
		kind string
		uris []string
		dir  string
	}{
		{KindJar, job.Jars, job.JarsDir},
		{KindFile, job.Files, job.FilesDir},
		{KindArchive, job.Archives, job.FilesDir},
	}
	var deps []*dependency
	byName := map[string]*dependency{}
	byTarget := map[string]*dependency{}
	manifestPath := filepath.Clean(job.ManifestPath)
	policy := job.policy()
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
