package fetch

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// ManifestVersion is the current Manifest.Version.
const ManifestVersion = 1

// Manifest is the result of a successful run. It is written last, so its
// presence at Job.ManifestPath means every dependency is in place.
type Manifest struct {
	// Version is the manifest format version (ManifestVersion).
	Version int `json:"version"`
	// CompletedAt is when the run finished (UTC).
	CompletedAt time.Time `json:"completedAt"`
	// Entries lists the dependencies in job order: jars, files, archives.
	Entries []Entry `json:"entries"`
}

// Entry describes one dependency of a successful run.
type Entry struct {
	// Name is the base name of the URI path, e.g. "hive-exec.jar".
	Name string `json:"name"`
	// Kind is agentapi.KindJar, KindFile or KindArchive.
	Kind string `json:"kind"`
	// Path is the final location: the file, or for archives the directory
	// they were unpacked into. For local:// entries, the path in the image.
	Path string `json:"path"`
	// Size is the number of bytes downloaded (the archive's size for
	// archives). Zero for local entries.
	Size int64 `json:"size"`
	// SHA256 is the lowercase hex sha256 of the downloaded bytes, computed
	// while downloading. Empty for local entries.
	SHA256 string `json:"sha256,omitempty"`
	// Source is the redacted URI.
	Source string `json:"source"`
	// Local is true for local:// entries, which are never fetched.
	Local bool `json:"local,omitempty"`
	// ArchiveFiles and ArchiveBytes count what was unpacked (archives only).
	ArchiveFiles int   `json:"archiveFiles,omitempty"`
	ArchiveBytes int64 `json:"archiveBytes,omitempty"`
}

// ReadManifest reads and decodes the manifest at path. A missing file yields
// an error satisfying errors.Is(err, fs.ErrNotExist).
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var manifest Manifest
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("decode manifest %s: %w", path, err)
	}
	if manifest.Version != ManifestVersion {
		return nil, fmt.Errorf("manifest %s has version %d, want %d", path, manifest.Version, ManifestVersion)
	}
	return &manifest, nil
}

// writeManifest writes manifest to path atomically.
func writeManifest(path string, manifest *Manifest) error {
	data, err := json.MarshalIndent(manifest, "", "  ")
	if err != nil {
		return localIO("encode manifest", "", err)
	}
	if err := writeFileAtomic(path, append(data, '\n'), 0o644); err != nil {
		return localIO("write manifest", "", err)
	}
	return nil
}
