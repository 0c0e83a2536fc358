package inject

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/egress"
	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// The keys of the dependencies injection.
const (
	// Jars is a list of jar URIs, separated by commas or newlines, to fetch before the task
	// starts and put on the classpath.
	Jars = annotations.Prefix + "jars"
	// Files is a list of file URIs, separated by commas or newlines, to fetch into the files dir.
	Files = annotations.Prefix + "files"
	// Archives is a list, separated by commas or newlines, of .tar.gz, .tgz or .zip URIs to
	// fetch and unpack into the files dir, each under its base name.
	Archives = annotations.Prefix + "archives"
	// JarsDir is where jars are fetched to.
	JarsDir = annotations.Prefix + "jars-dir"
	// FilesDir is where files and archives are fetched to.
	FilesDir = annotations.Prefix + "files-dir"
	// DepsSizeLimit is the sizeLimit of each dependency emptyDir.
	DepsSizeLimit = annotations.Prefix + "deps-size-limit"
	// FetchTimeout bounds the whole dependency fetch.
	FetchTimeout = annotations.Prefix + "fetch-timeout"
	// FetchParallelism is how many dependencies are fetched at once.
	FetchParallelism = annotations.Prefix + "fetch-parallelism"
	// DependenciesCAConfigMap names a ConfigMap whose key ca.crt holds a PEM
	// bundle to trust when fetching.
	DependenciesCAConfigMap = annotations.Prefix + "dependencies-ca-configmap"
	// DependenciesAuthSecret names a Secret whose key token is sent as a
	// bearer token when fetching.
	DependenciesAuthSecret = annotations.Prefix + "dependencies-auth-secret"
)

// Names and defaults of the dependencies injection.
const (
	PartDeps = "dependencies"
	// DepsSecretsVolume projects the CA bundle and the bearer token, the
	// ones that are asked for, into the init container only.
	DepsSecretsVolume = volumePrefix + "deps"
	// SparkClasspathEnv carries the jars' final paths.
	SparkClasspathEnv = "SPARK_EXTRA_CLASSPATH"

	DefaultJarsDir          = "/var/spark-data/spark-jars"
	DefaultFilesDir         = "/var/spark-data/spark-files"
	DefaultDepsSizeLimit    = "2Gi" // agentapi.DefaultDepsBytes
	DefaultFetchTimeout     = agentapi.DefaultTimeout
	DefaultFetchParallelism = agentapi.DefaultParallelism
	MaxFetchParallelism     = 64
	MaxFetchTimeout         = 2 * time.Hour
	// DependenciesCAKey is the ConfigMap key of the CA bundle.
	DependenciesCAKey = "ca.crt"
	// DependenciesAuthKey is the Secret key of the bearer token.
	DependenciesAuthKey = "token"
)

// DepsSpec describes the dependencies to fetch before the task starts.
type DepsSpec struct {
	// Jars, Files and Archives are the URIs as given, credentials included:
	// they travel to the init container only.
	Jars     []string `json:"jars,omitempty"`
	Files    []string `json:"files,omitempty"`
	Archives []string `json:"archives,omitempty"`
	JarsDir  string   `json:"jarsDir"`
	FilesDir string   `json:"filesDir"`
	// SizeLimit is the canonical quantity of each emptyDir's sizeLimit.
	SizeLimit    string        `json:"sizeLimit"`
	FetchTimeout time.Duration `json:"fetchTimeout"`
	Parallelism  int           `json:"parallelism"`
	CAConfigMap  string        `json:"caConfigMap,omitempty"`
	AuthSecret   string        `json:"authSecret,omitempty"`
	// Classpath lists the jars' final paths, local:// jars included.
	Classpath []string `json:"classpath,omitempty"`
}

// dependencies has the init container download the dependencies into the
// emptyDir, and mounts its jars and files read-only into the target
// containers, with the jars on the classpath.
var _ = register(&injection[DepsSpec]{
	About: About{
		Part: PartDeps, Field: "deps", Rank: 50,
		Keys: []annotations.Key{
			{Name: Jars, Description: "Comma-separated jar URIs, fetched before the task starts and put on the classpath (`SPARK_EXTRA_CLASSPATH`). `local://` jars are already in the image: never fetched, but on the classpath.",
				Default: "none", Valid: annotations.ValidURIs, Validate: annotations.URIListValidator(agentapi.KindJar), WithOthers: true},
			{Name: Files, Description: "Comma-separated file URIs, fetched into the files directory.",
				Default: "none", Valid: annotations.ValidURIs, Validate: annotations.URIListValidator(agentapi.KindFile), WithOthers: true},
			{Name: Archives, Description: "Comma-separated `.tar.gz`, `.tgz` or `.zip` URIs, fetched and unpacked into the files directory under their base name without the suffix.",
				Default: "none", Valid: annotations.ValidURIs + "; names end in .tar.gz, .tgz or .zip", Validate: annotations.URIListValidator(agentapi.KindArchive), WithOthers: true},
			{Name: JarsDir, Description: "Directory of the fetched jars: a directory of stagehand's emptyDir, read-only in the target containers.",
				Default: "`" + DefaultJarsDir + "`", Valid: annotations.ValidPath, Validate: annotations.ValidateMountPath},
			{Name: FilesDir, Description: "Directory of the fetched files and archives: a directory of stagehand's emptyDir, read-only in the target containers.",
				Default: "`" + DefaultFilesDir + "`", Valid: annotations.ValidPath, Validate: annotations.ValidateMountPath},
			{Name: DepsSizeLimit, Description: "Space for the dependencies: the fetch stops with a clear error when one file, or all of them, would exceed it. It is part of the sizeLimit of stagehand's emptyDir.",
				Default: "`" + DefaultDepsSizeLimit + "`", Valid: "a positive Kubernetes quantity, such as 512Mi or 4Gi", Validate: annotations.ValidateQuantity},
			{Name: FetchTimeout, Description: "Time limit of the whole dependency fetch.",
				Default: "`" + DefaultFetchTimeout.String() + "`", Valid: "a Go duration from 1s to " + MaxFetchTimeout.String() + ", such as 90s or 10m", Validate: annotations.DurationValidator(time.Second, MaxFetchTimeout)},
			{Name: FetchParallelism, Description: "How many dependencies are fetched at once. When there are more, the fetch asks for their sizes with HEAD requests (with the same credentials) and starts the largest first; a server that rejects HEAD keeps the listed order.",
				Default: strconv.Itoa(DefaultFetchParallelism), Valid: fmt.Sprintf("an integer from 1 to %d", MaxFetchParallelism), Validate: annotations.IntValidator(1, MaxFetchParallelism)},
			{Name: DependenciesCAConfigMap, Description: "ConfigMap whose key `" + DependenciesCAKey + "` is a PEM bundle trusted when fetching, besides the system roots. Mounted into stagehand's init container only.",
				Default: "none", Valid: "a DNS subdomain name", Validate: annotations.ValidateObjectName},
			{Name: DependenciesAuthSecret, Description: "Secret whose key `" + DependenciesAuthKey + "` is sent as a bearer token when fetching. Mounted into stagehand's init container only; never logged.",
				Default: "none", Valid: "a DNS subdomain name", Validate: annotations.ValidateObjectName},
		},
		Asks: []string{Jars, Files, Archives}, AskedAs: Jars + ", " + Files + " or " + Archives,
		Owns: Owned{
			Volumes:        []string{DataVolume, DepsSecretsVolume},
			InitContainers: []string{InitContainer},
			Env:            []string{SparkClasspathEnv},
		},
		Guard: Guard{
			Asked: celHas(Jars) + " || " + celHas(Files) + " || " + celHas(Archives),
			Volumes: []GuardVolume{{Name: DataVolume},
				{Name: DepsSecretsVolume, When: celHas(DependenciesCAConfigMap) + " || " + celHas(DependenciesAuthSecret)}},
		},
	},
	parse: parseDependencies,
	apply: func(e *editor, d *DepsSpec) {
		limit := resource.MustParse(d.SizeLimit)
		e.useData(limit, DepsSizeLimit)
		var mounts []corev1.VolumeMount
		if v, cause := secretsVolume(d, secretFileMode(e.in)); v != nil {
			e.ensureVolume(*v, cause)
			// Projected volumes are always read-only.
			mounts = append(mounts, corev1.VolumeMount{Name: DepsSecretsVolume, MountPath: agentapi.SecretsDir})
		}
		e.addInitStep(initStep{args: fetchFlags(d, limit.Value(), e.opts.AllowedDependencyHosts), mounts: mounts,
			res: resources("50m", "64Mi", "1", "256Mi")})
		e.ensureMount(dataMount(agentapi.JarsDir, d.JarsDir, true), JarsDir)
		e.ensureMount(dataMount(agentapi.FilesDir, d.FilesDir, true), FilesDir)
		if len(d.Classpath) > 0 {
			e.ensureEnv(corev1.EnvVar{Name: SparkClasspathEnv, Value: strings.Join(d.Classpath, ":")}, Jars)
		}
	},
	mounts: func(_ *Spec, d *DepsSpec) []mountPoint {
		return []mountPoint{{key: JarsDir, path: d.JarsDir}, {key: FilesDir, path: d.FilesDir}}
	},
	describe: func(pod *Input) []string {
		var uris []string
		counts := map[string]int{}
		for _, c := range pod.Spec.InitContainers {
			if c.Name != InitContainer {
				continue
			}
			for _, arg := range c.Command {
				name, uri, ok := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
				if kind := fetchKinds[name]; ok && kind != "" {
					counts[kind]++
					uris = append(uris, "  "+redaction.URL(uri))
				}
			}
		}
		out := []string{fmt.Sprintf("%s fetches %d jar(s), %d file(s), %d archive(s) before the task starts",
			InitContainer, counts[agentapi.KindJar], counts[agentapi.KindFile], counts[agentapi.KindArchive])}
		out = append(out, uris...)
		return append(out, SparkClasspathEnv+"="+envValueOf(pod, SparkClasspathEnv))
	},
})

// parseDependencies builds the dependency spec: every URI parsed with the
// fetcher's own rules, names unique across jars, files and archives, hosts
// allowed.
func parseDependencies(p *parser) *DepsSpec {
	if !p.has(Jars) && !p.has(Files) && !p.has(Archives) {
		return nil
	}
	d := &DepsSpec{
		JarsDir: DefaultJarsDir, FilesDir: DefaultFilesDir, SizeLimit: DefaultDepsSizeLimit,
		FetchTimeout: DefaultFetchTimeout, Parallelism: DefaultFetchParallelism,
		CAConfigMap: p.anns[DependenciesCAConfigMap], AuthSecret: p.anns[DependenciesAuthSecret],
	}
	p.set(JarsDir, &d.JarsDir)
	p.set(FilesDir, &d.FilesDir)
	if v, ok := p.value(DepsSizeLimit); ok {
		q := resource.MustParse(v)
		d.SizeLimit = q.String()
	}
	if v, ok := p.value(FetchTimeout); ok {
		d.FetchTimeout, _ = time.ParseDuration(v)
	}
	if v, ok := p.value(FetchParallelism); ok {
		d.Parallelism, _ = strconv.Atoi(v)
	}
	seen := map[string]string{} // name -> key that named it first
	for _, group := range []struct {
		key, kind, dir string
		into           *[]string
	}{
		{Jars, agentapi.KindJar, d.JarsDir, &d.Jars},
		{Files, agentapi.KindFile, d.FilesDir, &d.Files},
		{Archives, agentapi.KindArchive, d.FilesDir, &d.Archives},
	} {
		v, ok := p.anns[group.key]
		if !ok {
			continue
		}
		raws, deps, msgs := annotations.ParseURIs(group.kind, group.dir, v)
		if len(msgs) > 0 {
			p.invalid[group.key] = true
			p.errs = append(p.errs, annotations.InvalidValue(p.keyPath(group.key), registry.Lookup(group.key), v, msgs))
			continue
		}
		*group.into = raws
		for _, dep := range deps {
			if dep.Credentials {
				p.warnings = append(p.warnings, fmt.Sprintf("%s: %s carries credentials or a query string, which reach stagehand's init container as written, in its command; prefer %s",
					p.keyPath(group.key), dep.Redacted, DependenciesAuthSecret))
			}
			if first, dup := seen[dep.Name]; dup {
				p.errs = append(p.errs, p.invalidValue(group.key, dep.Redacted,
					fmt.Sprintf("base name %q is also used by a dependency in %s; dependency names must be unique", dep.Name, first)))
			}
			seen[dep.Name] = group.key
			if first, clash := seen[dep.Path]; clash && !dep.Local {
				p.errs = append(p.errs, p.invalidValue(group.key, dep.Redacted,
					fmt.Sprintf("would be placed at %s, where a dependency in %s goes already", dep.Path, first)))
			}
			seen[dep.Path] = group.key
			if err := (egress.Policy{AllowedHosts: p.opts.AllowedDependencyHosts}).CheckHost(dep.Host); err != nil && !dep.Local {
				p.errs = append(p.errs, p.invalidValue(group.key, dep.Redacted, err.Error()))
			}
			if group.kind == agentapi.KindJar {
				d.Classpath = append(d.Classpath, dep.Path)
			}
		}
	}
	return d
}

// ManifestPath is where the fetch result manifest of a spec is, in the
// target containers.
func ManifestPath(d *DepsSpec) string {
	return path.Join(d.JarsDir, agentapi.ManifestFileName)
}
