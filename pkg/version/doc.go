// Package version holds the build version of the stagehand binaries.
//
// Version defaults to "dev" and is set at link time:
//
//	go build -ldflags "-X github.com/stagehand-k8s/stagehand/pkg/version.Version=v1.2.3" ./cmd/agent
package version
