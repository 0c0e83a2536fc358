package fetch

import (
	"archive/tar"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// serveBytes serves body at every path.
func serveBytes(t *testing.T, body []byte) *httptest.Server {
	t.Helper()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
	t.Cleanup(server.Close)
	return server
}

func TestArchivesUnpackIntoNamedDirectory(t *testing.T) {
	entries := []archiveEntry{
		{name: "conf/", typeflag: tar.TypeDir},
		{name: "conf/hive-site.xml", content: "<configuration/>"},
		{name: "./bin/run.sh", content: "#!/bin/sh\n"},
		{name: "current", typeflag: tar.TypeSymlink, linkname: "conf"},
	}
	for _, format := range []struct {
		archiveName, dirName string
		build                func(*testing.T, []archiveEntry) []byte
	}{
		{"bundle.tar.gz", "bundle", buildTarGz},
		{"Bundle.TGZ", "Bundle", buildTarGz},
		{"deps.zip", "deps", buildZip},
	} {
		t.Run(format.archiveName, func(t *testing.T) {
			archive := format.build(t, entries)
			server := serveBytes(t, archive)
			job := testJob(t)
			job.Archives = []string{server.URL + "/a/" + format.archiveName + "#sha256=" + sha256Hex(archive)}

			manifest, err := runJob(t, job)
			assertExitCode(t, err, ExitOK)
			dir := filepath.Join(job.FilesDir, format.dirName)
			assertFileContent(t, filepath.Join(dir, "conf", "hive-site.xml"), []byte("<configuration/>"))
			assertFileContent(t, filepath.Join(dir, "bin", "run.sh"), []byte("#!/bin/sh\n"))
			assertFileContent(t, filepath.Join(dir, "current", "hive-site.xml"), []byte("<configuration/>"))
			assertNotExist(t, filepath.Join(job.FilesDir, format.archiveName))
			assertNotExist(t, filepath.Join(job.FilesDir, format.archiveName+partSuffix))
			entry := manifest.Entries[0]
			if entry.Path != dir || entry.Kind != agentapi.KindArchive || entry.SHA256 != sha256Hex(archive) {
				t.Errorf("manifest entry = %+v", entry)
			}

			// A second run replaces the directory in place.
			_, err = runJob(t, job)
			assertExitCode(t, err, ExitOK)
			assertFileContent(t, filepath.Join(dir, "conf", "hive-site.xml"), []byte("<configuration/>"))
			leftovers, _ := filepath.Glob(filepath.Join(job.FilesDir, ".stagehand-*"))
			if len(leftovers) != 0 {
				t.Errorf("temporary directories left behind: %v", leftovers)
			}
		})
	}
}

func TestUnsafeArchivesAreRejected(t *testing.T) {
	zeros := strings.Repeat("\x00", 2<<20) // compresses to a few KiB
	manyFiles := make([]archiveEntry, 50)
	for index := range manyFiles {
		manyFiles[index] = archiveEntry{name: "f" + strings.Repeat("x", index), content: "x"}
	}
	cases := []struct {
		name     string
		archive  string
		build    func(*testing.T, []archiveEntry) []byte
		entries  []archiveEntry
		wantCode int
		wantText string
	}{
		{
			name: "zip slip", archive: "evil.zip", build: buildZip,
			entries:  []archiveEntry{{name: "ok.txt", content: "ok"}, {name: "../../evil.txt", content: "pwned"}},
			wantCode: ExitIntegrity, wantText: "..",
		},
		{
			name: "tar slip", archive: "evil.tar.gz", build: buildTarGz,
			entries:  []archiveEntry{{name: "a/../../evil.txt", content: "pwned"}},
			wantCode: ExitIntegrity, wantText: "..",
		},
		{
			name: "absolute path", archive: "evil.tgz", build: buildTarGz,
			entries:  []archiveEntry{{name: "/tmp/evil.txt", content: "pwned"}},
			wantCode: ExitIntegrity, wantText: "absolute",
		},
		{
			name: "symlink escape in tar", archive: "evil.tar.gz", build: buildTarGz,
			entries: []archiveEntry{
				{name: "escape", typeflag: tar.TypeSymlink, linkname: "../../.."},
				{name: "escape/evil.txt", content: "pwned"},
			},
			wantCode: ExitIntegrity, wantText: "outside",
		},
		{
			name: "absolute symlink in tar", archive: "evil.tar.gz", build: buildTarGz,
			entries:  []archiveEntry{{name: "etc", typeflag: tar.TypeSymlink, linkname: "/etc"}},
			wantCode: ExitIntegrity, wantText: "absolute",
		},
		{
			name: "symlink chain escaping through a link to ..", archive: "chain.tar.gz", build: buildTarGz,
			entries: []archiveEntry{
				{name: "d/", typeflag: tar.TypeDir},
				{name: "d/up", typeflag: tar.TypeSymlink, linkname: ".."},
				{name: "x", typeflag: tar.TypeSymlink, linkname: "d/up/.."},
			},
			// Passes the lexical check; caught when resolved on disk.
			wantCode: ExitIntegrity, wantText: "resolves outside",
		},
		{
			name: "symlink escape in zip", archive: "evil.zip", build: buildZip,
			entries:  []archiveEntry{{name: "passwd", typeflag: tar.TypeSymlink, linkname: "../../../etc/passwd"}},
			wantCode: ExitIntegrity, wantText: "outside",
		},
		{
			name: "hardlink escape in tar", archive: "evil.tar.gz", build: buildTarGz,
			entries:  []archiveEntry{{name: "h", typeflag: tar.TypeLink, linkname: "../outside.txt"}},
			wantCode: ExitIntegrity, wantText: "outside",
		},
		{
			name: "expanded size bomb", archive: "bomb.tar.gz", build: buildTarGz,
			entries:  []archiveEntry{{name: "zeros", content: zeros}},
			wantCode: ExitSizeLimit, wantText: "expands",
		},
		{
			name: "expanded size bomb in zip", archive: "bomb.zip", build: buildZip,
			entries:  []archiveEntry{{name: "zeros", content: zeros}},
			wantCode: ExitSizeLimit, wantText: "expands",
		},
		{
			name: "file count bomb", archive: "many.zip", build: buildZip,
			entries:  manyFiles,
			wantCode: ExitSizeLimit, wantText: "entries",
		},
		{
			name: "corrupt gzip", archive: "corrupt.tar.gz",
			build:    func(*testing.T, []archiveEntry) []byte { return []byte("not gzip at all") },
			wantCode: ExitIntegrity, wantText: "corrupt",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			archive := tc.build(t, tc.entries)
			server := serveBytes(t, archive)
			job := testJob(t)
			job.MaxArchiveExpandedBytes = 1 << 20
			job.MaxArchiveFiles = 20
			job.Archives = []string{server.URL + "/" + tc.archive}

			_, err := runJob(t, job)
			assertExitCode(t, err, tc.wantCode)
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
			unpacked, parseErr := agentapi.ParseDependency(agentapi.KindArchive, job.Archives[0], job.FilesDir)
			if parseErr != nil {
				t.Fatal(parseErr)
			}
			assertNotExist(t, unpacked.Path)
			assertNotExist(t, filepath.Join(filepath.Dir(job.FilesDir), "evil.txt"))
			assertNotExist(t, filepath.Join(job.FilesDir, agentapi.ManifestFileName))
			leftovers, err := os.ReadDir(job.FilesDir)
			if err != nil {
				t.Fatal(err)
			}
			if len(leftovers) != 0 {
				t.Errorf("files dir not clean after rejection: %v", leftovers)
			}
		})
	}
}
