package version

import (
	"runtime"
)

// Version is the release version, set at link time with -ldflags -X.
var Version = "dev"

// String returns a one-line description of the build, for example
// "v1.2.3 (go1.26.0 linux/amd64)".
func String() string {
	return Version + " (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}
