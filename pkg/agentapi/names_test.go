package agentapi

import "testing"

// TestNamesAreStable pins what pods admitted by an earlier webhook hold:
// their commands, mounts and environment name these, and a newer agent
// must still find them. Changing a value here breaks running pods.
func TestNamesAreStable(t *testing.T) {
	for got, want := range map[string]string{
		ImageBinary: "/agent", BinDir: "/stagehand/bin", Binary: "/stagehand/bin/agent", SpoolDir: "/stagehand/spool",
		Dir: "/stagehand", JarsDir: "/stagehand/jars", FilesDir: "/stagehand/files",
		SecretsDir: "/etc/stagehand/deps", CAFileName: "ca.crt", TokenFileName: "token",
		CommandRun: "run", CommandFetch: "fetch", CommandInstall: "install", CommandInit: "init", InitContainer: "stagehand-init",
		FlagTimeout: "timeout", FlagGrace: "grace", FlagManifest: "manifest",
		EnvJob: "STAGEHAND_FETCH_JOB", ManifestFileName: ".stagehand-manifest.json",
		EnvTimelineURL: "STAGEHAND_TIMELINE_URL", EnvATSSecretKey: "ATS_SECRET_KEY", EnvSpoolDir: "STAGEHAND_SPOOL_DIR",
		EnvPodName: "STAGEHAND_POD_NAME", EnvPodNamespace: "STAGEHAND_POD_NAMESPACE", EnvNodeName: "STAGEHAND_NODE_NAME",
		EnvContainerName: "STAGEHAND_CONTAINER_NAME", EnvContainerImage: "STAGEHAND_CONTAINER_IMAGE",
		KindJar: "jar", KindFile: "file", KindArchive: "archive",
	} {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
	if FlagInstall != "install" {
		t.Errorf("FlagInstall %q, want %q", FlagInstall, "install")
	}
}
