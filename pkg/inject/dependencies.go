package inject

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
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
	PartDeps       = "dependencies"
	FetchContainer = volumePrefix + "fetch"
	JarsVolume     = volumePrefix + "jars"
	FilesVolume    = volumePrefix + "files"
	DepsCAVolume   = volumePrefix + "deps-ca"
	DepsAuthVolume = volumePrefix + "deps-auth"
	// ClasspathEnv and SparkClasspathEnv carry the jars' final paths.
	ClasspathEnv      = "STAGEHAND_CLASSPATH"
	SparkClasspathEnv = "SPARK_EXTRA_CLASSPATH"

	DefaultJarsDir          = "/var/spark-data/spark-jars"
	DefaultFilesDir         = "/var/spark-data/spark-files"
	DefaultDepsSizeLimit    = "2Gi"
	DefaultFetchTimeout     = 5 * time.Minute
	DefaultFetchParallelism = 5
	MaxFetchParallelism     = 64
	MaxFetchTimeout         = 2 * time.Hour
	// DependenciesCAKey is the ConfigMap key of the CA bundle.
	DependenciesCAKey = "ca.crt"
	// DependenciesAuthKey is the Secret key of the bearer token.
	DependenciesAuthKey = "token"

	// depsCADir and depsAuthDir are mounted into the fetch container only.
	depsCADir   = "/etc/stagehand/deps-ca"
	depsAuthDir = "/etc/stagehand/deps-auth"
)

// DepsSpec describes the dependencies to fetch before the task starts.
type DepsSpec struct {
	// Jars, Files and Archives are the URIs as given, credentials included:
	// they travel to the fetch container only.
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

// dependencies adds the fetch init container, which downloads the
// dependencies into two emptyDirs, and mounts those read-only into the
// target containers with the jars on the classpath.
var _ = register(&injection[DepsSpec]{
	About: About{
		Part: PartDeps, Field: "deps", Rank: 50,
		Keys: []annotations.Key{
			{Name: Jars, Description: "Comma-separated jar URIs, fetched before the task starts and put on the classpath (`SPARK_EXTRA_CLASSPATH`, `STAGEHAND_CLASSPATH`). `local://` jars are already in the image: never fetched, but on the classpath.",
				Default: "none", Valid: annotations.ValidURIs, Validate: annotations.URIListValidator(agentapi.KindJar), WithOthers: true},
			{Name: Files, Description: "Comma-separated file URIs, fetched into the files directory.",
				Default: "none", Valid: annotations.ValidURIs, Validate: annotations.URIListValidator(agentapi.KindFile), WithOthers: true},
			{Name: Archives, Description: "Comma-separated `.tar.gz`, `.tgz` or `.zip` URIs, fetched and unpacked into the files directory under their base name without the suffix.",
				Default: "none", Valid: annotations.ValidURIs + "; names end in .tar.gz, .tgz or .zip", Validate: annotations.URIListValidator(agentapi.KindArchive), WithOthers: true},
			{Name: JarsDir, Description: "Directory of the fetched jars: an emptyDir, read-only in the target containers.",
				Default: "`" + DefaultJarsDir + "`", Valid: annotations.ValidPath, Validate: annotations.ValidateMountPath},
			{Name: FilesDir, Description: "Directory of the fetched files and archives: an emptyDir, read-only in the target containers.",
				Default: "`" + DefaultFilesDir + "`", Valid: annotations.ValidPath, Validate: annotations.ValidateMountPath},
			{Name: DepsSizeLimit, Description: "sizeLimit of each dependency emptyDir; the fetch also stops with a clear error beyond it.",
				Default: "`" + DefaultDepsSizeLimit + "`", Valid: "a positive Kubernetes quantity, such as 512Mi or 4Gi", Validate: annotations.ValidateQuantity},
			{Name: FetchTimeout, Description: "Time limit of the whole dependency fetch.",
				Default: "`" + DefaultFetchTimeout.String() + "`", Valid: "a Go duration from 1s to " + MaxFetchTimeout.String() + ", such as 90s or 10m", Validate: annotations.DurationValidator(time.Second, MaxFetchTimeout)},
			{Name: FetchParallelism, Description: "How many dependencies are fetched at once. When there are more, the fetch asks for their sizes with HEAD requests (with the same credentials) and starts the largest first; a server that rejects HEAD keeps the listed order.",
				Default: strconv.Itoa(DefaultFetchParallelism), Valid: fmt.Sprintf("an integer from 1 to %d", MaxFetchParallelism), Validate: annotations.IntValidator(1, MaxFetchParallelism)},
			{Name: DependenciesCAConfigMap, Description: "ConfigMap whose key `" + DependenciesCAKey + "` is a PEM bundle trusted when fetching, besides the system roots. Mounted into the fetch container only.",
				Default: "none", Valid: "a DNS subdomain name", Validate: annotations.ValidateObjectName},
			{Name: DependenciesAuthSecret, Description: "Secret whose key `" + DependenciesAuthKey + "` is sent as a bearer token when fetching. Mounted into the fetch container only; never logged.",
				Default: "none", Valid: "a DNS subdomain name", Validate: annotations.ValidateObjectName},
		},
		Asks: []string{Jars, Files, Archives}, AskedAs: Jars + ", " + Files + " or " + Archives,
		Owns: Owned{
			Volumes:        []string{JarsVolume, FilesVolume, DepsCAVolume, DepsAuthVolume},
			InitContainers: []string{FetchContainer}, InitOrder: 1,
			Env: []string{SparkClasspathEnv, ClasspathEnv},
		},
		Guard: Guard{
			Asked: celHas(Jars) + " || " + celHas(Files) + " || " + celHas(Archives),
			Volumes: []GuardVolume{{Name: JarsVolume}, {Name: FilesVolume},
				{Name: DepsCAVolume, When: celHas(DependenciesCAConfigMap)}, {Name: DepsAuthVolume, When: celHas(DependenciesAuthSecret)}},
		},
	},
	parse: parseDependencies,
	apply: func(e *editor, d *DepsSpec) {
		limit := resource.MustParse(d.SizeLimit)
		for _, name := range []string{JarsVolume, FilesVolume} {
			e.ensureVolume(corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}}, DepsSizeLimit)
		}
		mounts := []corev1.VolumeMount{{Name: JarsVolume, MountPath: d.JarsDir}, {Name: FilesVolume, MountPath: d.FilesDir}}
		if d.CAConfigMap != "" {
			e.ensureVolume(corev1.Volume{Name: DepsCAVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: d.CAConfigMap},
				Items:                []corev1.KeyToPath{{Key: DependenciesCAKey, Path: DependenciesCAKey}},
				DefaultMode:          ptrTo(corev1.ConfigMapVolumeSourceDefaultMode),
			}}}, DependenciesCAConfigMap)
			mounts = append(mounts, corev1.VolumeMount{Name: DepsCAVolume, MountPath: depsCADir, ReadOnly: true})
		}
		if d.AuthSecret != "" {
			e.ensureVolume(corev1.Volume{Name: DepsAuthVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName:  d.AuthSecret,
				Items:       []corev1.KeyToPath{{Key: DependenciesAuthKey, Path: DependenciesAuthKey}},
				DefaultMode: secretFileMode(e.in),
			}}}, DependenciesAuthSecret)
			mounts = append(mounts, corev1.VolumeMount{Name: DepsAuthVolume, MountPath: depsAuthDir, ReadOnly: true})
		}
		if reports(e.spec) {
			mounts = append(mounts, corev1.VolumeMount{Name: SpoolVolume, MountPath: SpoolDir})
		}
		job, err := json.Marshal(fetchJob(d, limit.Value(), e.opts.AllowedDependencyHosts))
		if err != nil {
			panic(err) // a struct of strings and numbers always marshals
		}
		env := append([]corev1.EnvVar{{Name: agentapi.EnvJob, Value: string(job)}}, reporterEnv(e.spec, FetchContainer, e.opts.AgentImage)...)
		e.ensureInitContainer(initContainer(FetchContainer, e.opts.AgentImage, []string{AgentImageBinary, agentapi.CommandFetch}, env, mounts,
			resources("50m", "64Mi", "1", "256Mi")))
		e.ensureMount(corev1.VolumeMount{Name: JarsVolume, MountPath: d.JarsDir, ReadOnly: true}, JarsDir)
		e.ensureMount(corev1.VolumeMount{Name: FilesVolume, MountPath: d.FilesDir, ReadOnly: true}, FilesDir)
		if len(d.Classpath) > 0 {
			classpath := strings.Join(d.Classpath, ":")
			e.ensureEnv(corev1.EnvVar{Name: SparkClasspathEnv, Value: classpath}, Jars)
			e.ensureEnv(corev1.EnvVar{Name: ClasspathEnv, Value: classpath}, Jars)
		}
	},
	mounts: func(_ *Spec, d *DepsSpec) []mountPoint {
		return []mountPoint{{key: JarsDir, path: d.JarsDir}, {key: FilesDir, path: d.FilesDir}}
	},
	describe: func(pod *Input) []string {
		var job agentapi.Job
		for _, c := range pod.Spec.InitContainers {
			for _, e := range c.Env {
				if c.Name == FetchContainer && e.Name == agentapi.EnvJob {
					_ = json.Unmarshal([]byte(e.Value), &job)
				}
			}
		}
		out := []string{fmt.Sprintf("%s fetches %d jar(s), %d file(s), %d archive(s) before the task starts",
			FetchContainer, len(job.Jars), len(job.Files), len(job.Archives))}
		for _, uri := range slices.Concat(job.Jars, job.Files, job.Archives) {
			out = append(out, "  "+redaction.URL(uri))
		}
		return append(out, "SPARK_EXTRA_CLASSPATH="+envValueOf(pod, SparkClasspathEnv))
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
				p.warnings = append(p.warnings, fmt.Sprintf("%s: %s carries credentials or a query string, which reach the fetch container as written; prefer %s",
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

// ManifestPath is where the fetch result manifest of a spec is written.
func ManifestPath(d *DepsSpec) string {
	return path.Join(d.JarsDir, agentapi.ManifestFileName)
}

// fetchJob is the whole job of the fetch container, as one typed payload.
// The webhook's allowlist goes with it, so that the fetch holds redirects
// to it too.
func fetchJob(d *DepsSpec, maxTotalBytes int64, allowedHosts []string) agentapi.Job {
	job := agentapi.Job{
		JarsDir: d.JarsDir, FilesDir: d.FilesDir,
		Jars: d.Jars, Files: d.Files, Archives: d.Archives,
		ManifestPath:  ManifestPath(d),
		Parallelism:   d.Parallelism,
		Timeout:       agentapi.Duration(d.FetchTimeout),
		MaxTotalBytes: maxTotalBytes,
		MaxFileBytes:  maxTotalBytes,
		AllowedHosts:  allowedHosts,
	}
	if d.CAConfigMap != "" {
		job.CAFile = depsCADir + "/" + DependenciesCAKey
	}
	if d.AuthSecret != "" {
		job.AuthFile = depsAuthDir + "/" + DependenciesAuthKey
	}
	return job
}
