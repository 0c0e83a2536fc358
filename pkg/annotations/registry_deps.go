package annotations

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// dependencyKeys are the registry entries of dependency fetching and the agent.
var dependencyKeys = []Key{
	{Name: Jars, Description: "Comma-separated jar URIs, fetched before the task starts and put on the classpath (`SPARK_EXTRA_CLASSPATH`, `STAGEHAND_CLASSPATH`). `local://` jars are already in the image: never fetched, but on the classpath.",
		Default: "none", Valid: validURIs, Validate: uriListValidator(agentapi.KindJar), WithOthers: true},
	{Name: Files, Description: "Comma-separated file URIs, fetched into the files directory.",
		Default: "none", Valid: validURIs, Validate: uriListValidator(agentapi.KindFile), WithOthers: true},
	{Name: Archives, Description: "Comma-separated `.tar.gz`, `.tgz` or `.zip` URIs, fetched and unpacked into the files directory under their base name without the suffix.",
		Default: "none", Valid: validURIs + "; names end in .tar.gz, .tgz or .zip", Validate: uriListValidator(agentapi.KindArchive), WithOthers: true},
	{Name: JarsDir, Description: "Directory of the fetched jars: an emptyDir, read-only in the target containers.",
		Default: "`" + DefaultJarsDir + "`", Valid: validPath, Validate: validateMountPath},
	{Name: FilesDir, Description: "Directory of the fetched files and archives: an emptyDir, read-only in the target containers.",
		Default: "`" + DefaultFilesDir + "`", Valid: validPath, Validate: validateMountPath},
	{Name: DepsSizeLimit, Description: "sizeLimit of each dependency emptyDir; the fetch also stops with a clear error beyond it.",
		Default: "`" + DefaultDepsSizeLimit + "`", Valid: "a positive Kubernetes quantity, such as 512Mi or 4Gi", Validate: validateQuantity},
	{Name: FetchTimeout, Description: "Time limit of the whole dependency fetch.",
		Default: "`" + DefaultFetchTimeout.String() + "`", Valid: "a Go duration from 1s to " + MaxFetchTimeout.String() + ", such as 90s or 10m", Validate: durationValidator(time.Second, MaxFetchTimeout)},
	{Name: FetchParallelism, Description: "How many dependencies are fetched at once. When there are more, the fetch asks for their sizes with HEAD requests (with the same credentials) and starts the largest first; a server that rejects HEAD keeps the listed order.",
		Default: strconv.Itoa(DefaultFetchParallelism), Valid: fmt.Sprintf("an integer from 1 to %d", MaxFetchParallelism), Validate: validateParallelism},
	{Name: DependenciesCAConfigMap, Description: "ConfigMap whose key `" + DependenciesCAKey + "` is a PEM bundle trusted when fetching, besides the system roots. Mounted into the fetch container only.",
		Default: "none", Valid: "a DNS subdomain name", Validate: validateObjectName},
	{Name: DependenciesAuthSecret, Description: "Secret whose key `" + DependenciesAuthKey + "` is sent as a bearer token when fetching. Mounted into the fetch container only; never logged.",
		Default: "none", Valid: "a DNS subdomain name", Validate: validateObjectName},
	{Name: Agent, Description: "Wraps each target container's command as `" + agentapi.Binary + " " + agentapi.CommandRun + " [flags] -- <command...>`; `args` stay as they are. A container without `command` is denied unless its image is in the webhook's entrypoint map (`STAGEHAND_ENTRYPOINTS`).",
		Default: `"false"`, Valid: `"true" or "false"`, Validate: validateBool},
	{Name: TaskTimeout, Description: "Time limit of the task under the agent: then it is sent SIGTERM, and SIGKILL after the grace period; the agent exits 124.",
		Default: "none", Valid: "a positive Go duration, such as 45m or 2h", Validate: durationValidator(time.Nanosecond, 0)},
}

const validURIs = "a comma-separated list of https://, http:// or local:// URIs, each optionally ending in #sha256=<64 hex digits>"

func uriListValidator(kind string) func(string) []string {
	return func(v string) []string {
		_, _, msgs := parseURIs(kind, "/", v)
		return msgs
	}
}

// parseURIs parses a comma-separated list of dependency URIs, to be placed
// in dir, with the fetcher's own rules. It returns the URIs as written and
// parsed, or the problems.
func parseURIs(kind, dir, v string) ([]string, []agentapi.Dependency, []string) {
	raws := splitList(v)
	if len(raws) == 0 {
		return nil, nil, []string{"empty list"}
	}
	deps := make([]agentapi.Dependency, 0, len(raws))
	var msgs []string
	for _, raw := range raws {
		dep, err := agentapi.ParseDependency(kind, raw, dir)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		deps = append(deps, dep)
	}
	return raws, deps, msgs
}

// splitList splits a comma-separated value, dropping blanks around items.
func splitList(v string) []string {
	var items []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

func validateQuantity(v string) []string {
	q, err := resource.ParseQuantity(v)
	switch {
	case err != nil:
		return []string{"not a quantity"}
	case q.Sign() <= 0:
		return []string{"not positive"}
	}
	return nil
}

// durationValidator accepts Go durations in [lo, hi]; hi 0 means no bound.
func durationValidator(lo, hi time.Duration) func(string) []string {
	return func(v string) []string {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			return []string{"not a Go duration"}
		case d < lo || (hi > 0 && d > hi):
			return []string{"out of range"}
		}
		return nil
	}
}

func validateParallelism(v string) []string {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return []string{"not an integer"}
	case n < 1 || n > MaxFetchParallelism:
		return []string{"out of range"}
	}
	return nil
}
