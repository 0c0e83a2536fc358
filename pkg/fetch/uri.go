package fetch

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"
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

// redact returns uri with userinfo and query string replaced by "redacted"
// and any fragment dropped, for use in logs, errors and the manifest.
func redact(uri string) string {
	parsed, err := url.Parse(uri)
	if err != nil {
		return redactUnparsed(uri)
	}
	return redactURL(*parsed)
}

// redactURL is redact for a parsed URI; it works on a copy.
func redactURL(parsed url.URL) string {
	if at := strings.LastIndex(parsed.Opaque, "@"); at >= 0 {
		// "user:password@host/x.jar", written without "//", parses as
		// scheme "user" and an opaque part: everything before the @ may be
		// a credential.
		return "redacted@" + redactURL(url.URL{Opaque: parsed.Opaque[at+1:], RawQuery: parsed.RawQuery, ForceQuery: parsed.ForceQuery})
	}
	if parsed.User != nil {
		parsed.User = url.User("redacted")
	}
	if parsed.RawQuery != "" || parsed.ForceQuery {
		parsed.RawQuery = "redacted"
		parsed.ForceQuery = false
	}
	parsed.Fragment = ""
	parsed.RawFragment = ""
	return parsed.String()
}

// redactUnparsed redacts a string url.Parse rejected, lexically.
func redactUnparsed(uri string) string {
	uri, _, _ = strings.Cut(uri, "#")
	uri, _, hadQuery := strings.Cut(uri, "?")
	if scheme, rest, ok := strings.Cut(uri, "://"); ok {
		authority, pathPart, _ := strings.Cut(rest, "/")
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			authority = "redacted@" + authority[at+1:]
		}
		uri = scheme + "://" + authority
		if pathPart != "" || strings.Contains(rest, "/") {
			uri += "/" + pathPart
		}
	} else if at := strings.LastIndex(uri, "@"); at >= 0 {
		// No "//": whatever comes before an @ may be a credential.
		uri = "redacted@" + uri[at+1:]
	}
	if hadQuery {
		uri += "?redacted"
	}
	return uri
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
	if dep.redacted = raw; !plain {
		dep.redacted = redactURL(*parsed)
	}
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
	for _, group := range groups {
		for _, raw := range group.uris {
			dep, err := parseDependency(group.kind, raw, group.dir)
			if err != nil {
				return nil, err
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
