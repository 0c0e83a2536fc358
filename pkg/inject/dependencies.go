package inject

import (
	"encoding/json"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Names of what the dependency injection adds.
const (
	FetchContainer = volumePrefix + "fetch"
	JarsVolume     = volumePrefix + "jars"
	FilesVolume    = volumePrefix + "files"
	DepsCAVolume   = volumePrefix + "deps-ca"
	DepsAuthVolume = volumePrefix + "deps-auth"
	// ClasspathEnv and SparkClasspathEnv carry the jars' final paths.
	ClasspathEnv      = "STAGEHAND_CLASSPATH"
	SparkClasspathEnv = "SPARK_EXTRA_CLASSPATH"
	// depsCADir and depsAuthDir are mounted into the fetch container only.
	depsCADir    = "/etc/stagehand/deps-ca"
	depsAuthDir  = "/etc/stagehand/deps-auth"
	depsCAFile   = depsCADir + "/" + annotations.DependenciesCAKey
	depsAuthFile = depsAuthDir + "/" + annotations.DependenciesAuthKey
)

// injectDependencies adds the fetch init container, which downloads the
// dependencies into two emptyDirs, and mounts those read-only into the
// target containers with the jars on the classpath.
func injectDependencies(e *editor) bool {
	d := e.spec.Deps
	if d == nil {
		return false
	}
	limit := quantity(d.SizeLimit)
	for _, name := range []string{JarsVolume, FilesVolume} {
		e.ensureVolume(corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}}, annotations.DepsSizeLimit)
	}
	mounts := []corev1.VolumeMount{{Name: JarsVolume, MountPath: d.JarsDir}, {Name: FilesVolume, MountPath: d.FilesDir}}
	if d.CAConfigMap != "" {
		e.ensureVolume(corev1.Volume{Name: DepsCAVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: d.CAConfigMap},
			Items:                []corev1.KeyToPath{{Key: annotations.DependenciesCAKey, Path: annotations.DependenciesCAKey}},
			DefaultMode:          &corev1ConfigMapDefaultMode,
		}}}, annotations.DependenciesCAConfigMap)
		mounts = append(mounts, corev1.VolumeMount{Name: DepsCAVolume, MountPath: depsCADir, ReadOnly: true})
	}
	if d.AuthSecret != "" {
		e.ensureVolume(corev1.Volume{Name: DepsAuthVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName:  d.AuthSecret,
			Items:       []corev1.KeyToPath{{Key: annotations.DependenciesAuthKey, Path: annotations.DependenciesAuthKey}},
			DefaultMode: secretFileMode(e.in),
		}}}, annotations.DependenciesAuthSecret)
		mounts = append(mounts, corev1.VolumeMount{Name: DepsAuthVolume, MountPath: depsAuthDir, ReadOnly: true})
	}
	if reports(e.spec) {
		mounts = append(mounts, corev1.VolumeMount{Name: SpoolVolume, MountPath: SpoolDir})
	}
	e.ensureInitContainer(fetchContainer(e.opts.AgentImage, fetchJob(d, limit.Value(), e.opts.AllowedDependencyHosts), mounts, fetchReporterEnv(e.spec, e.opts.AgentImage)))
	e.ensureMount(corev1.VolumeMount{Name: JarsVolume, MountPath: d.JarsDir, ReadOnly: true}, annotations.JarsDir)
	e.ensureMount(corev1.VolumeMount{Name: FilesVolume, MountPath: d.FilesDir, ReadOnly: true}, annotations.FilesDir)
	if len(d.Classpath) > 0 {
		classpath := strings.Join(d.Classpath, ":")
		e.ensureEnv(corev1.EnvVar{Name: SparkClasspathEnv, Value: classpath}, annotations.Jars)
		e.ensureEnv(corev1.EnvVar{Name: ClasspathEnv, Value: classpath}, annotations.Jars)
	}
	return true
}

var corev1ConfigMapDefaultMode = corev1.ConfigMapVolumeSourceDefaultMode

// ManifestPath is where the fetch result manifest of a spec is written.
func ManifestPath(d *annotations.DepsSpec) string {
	return path.Join(d.JarsDir, agentapi.ManifestFileName)
}

// fetchJob is the whole job of the fetch container, as one typed payload.
// The webhook's allowlist goes with it, so that the fetch holds redirects
// to it too.
func fetchJob(d *annotations.DepsSpec, maxTotalBytes int64, allowedHosts []string) agentapi.Job {
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
		job.CAFile = depsCAFile
	}
	if d.AuthSecret != "" {
		job.AuthFile = depsAuthFile
	}
	return job
}

// fetchContainer runs `agent fetch` with its job in one JSON env var.
func fetchContainer(image string, job agentapi.Job, mounts []corev1.VolumeMount, reporter []corev1.EnvVar) corev1.Container {
	payload, err := json.Marshal(job)
	if err != nil {
		panic(err) // a struct of strings and numbers always marshals
	}
	env := append([]corev1.EnvVar{{Name: agentapi.EnvJob, Value: string(payload)}}, reporter...)
	return initContainer(FetchContainer, image, []string{AgentImageBinary, agentapi.CommandFetch}, env, mounts,
		fetchResources)
}
