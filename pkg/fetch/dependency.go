package fetch

// Dependency is a dependency URI as the webhook validates it before the pod
// is admitted, with the same rules the fetcher applies at run time.
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
	// Redacted is the URI with credentials and query string removed, safe
	// for messages and logs.
	Redacted string
	// Credentials is true when the URI carries userinfo or a query string,
	// which may hold secrets.
	Credentials bool
}

// ParseDependency parses one dependency URI of the given kind, to be placed
// in dir. The error is an *Error of code ExitBadInput naming the redacted URI.
func ParseDependency(kind, raw, dir string) (Dependency, error) {
	d, err := parseDependency(kind, raw, dir)
	if err != nil {
		return Dependency{}, err
	}
	dep := Dependency{Kind: kind, Name: d.name, Local: d.local, Path: d.target, Redacted: d.redacted}
	if !d.local {
		dep.Host, dep.Credentials = d.host, d.credentials
	}
	return dep, nil
}
