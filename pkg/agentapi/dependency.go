package agentapi

import (
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// Dependency kinds: the list of a Job a URI is in (Jars, Files or
// Archives), as recorded in the fetch manifest.
const (
	KindJar     = "jar"
	KindFile    = "file"
	KindArchive = "archive"
)

// archiveSuffixes are stripped from an archive's name to get its unpack
// directory. Longest first so ".tar.gz" wins over ".gz".
var archiveSuffixes = []string{".tar.gz", ".tgz", ".zip"}

// Dependency is a dependency URI as the webhook validates it before the pod
// is admitted, with the same rules the fetcher applies at run time. No
// field holds a secret: the URI as written is not kept.
type Dependency struct {
	// Kind is KindJar, KindFile or KindArchive.
	Kind string
	// Name is the base name of the URI path.
	Name string
	// Host is the URI's host name, empty for local:// URIs.
	Host string
	// Local is true for local:// URIs: files already in the image.
	Local bool
	// Path is where the dependency is found once fetched: its file in dir,
	// its unpack directory for archives, or its own path for local:// URIs.
	Path string
	// SHA256 is the digest the URI pins with #sha256=, in lowercase hex;
	// empty when it pins none.
	SHA256 string
	// Redacted is the URI with credentials and query string removed, safe
	// for messages and logs.
	Redacted string
	// Credentials is true when the URI carries userinfo or a query string,
	// which may hold secrets. Always false for local:// URIs.
	Credentials bool
}

// URIError says why a dependency URI cannot be fetched. It names the URI
// in its redacted form only.
type URIError struct {
	// URI is the redacted URI.
	URI string
	Err error
}

func (e *URIError) Error() string {
	if e.URI == "" {
		return fmt.Sprintf("parse URI: %v", e.Err)
	}
	return fmt.Sprintf("parse URI %s: %v", e.URI, e.Err)
}

func (e *URIError) Unwrap() error { return e.Err }

func uriError(raw, format string, args ...any) *URIError {
	uri := ""
	if raw != "" {
		uri = redaction.URL(raw)
	}
	return &URIError{URI: uri, Err: fmt.Errorf(format, args...)}
}

// ParseDependency parses raw as a dependency URI of the given kind, to be
// placed in dir (the Job's JarsDir or FilesDir). The error is a *URIError.
func ParseDependency(kind, raw, dir string) (Dependency, error) {
	parsed, err := url.Parse(raw)
	if err != nil {
		return Dependency{}, uriError(raw, "invalid URI")
	}
	dep := Dependency{Kind: kind, Redacted: redaction.URL(raw)}
	if parsed.Fragment != "" {
		sum, ok := strings.CutPrefix(parsed.Fragment, "sha256=")
		if !ok || len(sum) != 64 || !isHex(sum) {
			return Dependency{}, uriError(raw, "fragment must be #sha256=<64 hex digits>")
		}
		dep.SHA256 = strings.ToLower(sum)
	}

	var filePath string
	switch scheme := strings.ToLower(parsed.Scheme); scheme {
	case "http", "https":
		if parsed.Host == "" {
			return Dependency{}, uriError(raw, "%s URI has no host", scheme)
		}
		filePath = parsed.Path
		dep.Host = parsed.Hostname()
		dep.Credentials = parsed.User != nil || parsed.RawQuery != "" || parsed.ForceQuery
	case "local":
		filePath = parsed.Path
		if parsed.Opaque != "" {
			filePath = parsed.Opaque
		}
		if parsed.Host != "" || !path.IsAbs(filePath) {
			return Dependency{}, uriError(raw, "local URI must be local:///absolute/path")
		}
		if dep.SHA256 != "" {
			return Dependency{}, uriError(raw, "local URIs are not checked; remove the #sha256 fragment")
		}
		dep.Local = true
	case "":
		return Dependency{}, uriError(raw, "URI has no scheme; want https://, http:// or local://")
	default:
		if prefix := scheme + "://"; len(raw) < len(prefix) || !strings.EqualFold(raw[:len(prefix)], prefix) {
			// "user:password@host/x.jar": the "scheme" is a user name.
			return Dependency{}, uriError(raw, "URI has no scheme://; want https://, http:// or local://")
		}
		return Dependency{}, uriError(raw, "unsupported scheme %q; want https, http or local", scheme)
	}

	dep.Name = path.Base(filePath)
	if filePath == "" || dep.Name == "/" || dep.Name == "." || dep.Name == ".." {
		return Dependency{}, uriError(raw, "URI path has no file name")
	}
	switch {
	case dep.Local:
		dep.Path = path.Clean(filePath)
	case kind == KindArchive:
		dirName, ok := archiveDirName(dep.Name)
		if !ok {
			return Dependency{}, uriError(raw, "archive name %q must end in .tar.gz, .tgz or .zip", dep.Name)
		}
		dep.Path = filepath.Join(dir, dirName)
	default:
		dep.Path = filepath.Join(dir, dep.Name)
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
