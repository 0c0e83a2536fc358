package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestLayer checks the layer's entries: the binary, one absolute link per
// applet in the directories the layer has, nothing for other paths.
func TestLayer(t *testing.T) {
	bin := []byte("\x7fELF not really")
	applets := []string{"bin/busybox", "bin/sh", "usr/bin/env", "sbin/ifconfig", "usr/sbin/chroot", "linuxrc", "usr/lib/x", "bin/", "bin/a/b"}
	b, err := layer(bin, applets)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]*tar.Header{}
	var body []byte
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries[h.Name] = h
		if h.Name == "bin/busybox" {
			body, _ = io.ReadAll(tr)
		}
	}
	if h := entries["bin/busybox"]; h == nil || h.Typeflag != tar.TypeReg || h.Mode != 0o755 || !bytes.Equal(body, bin) {
		t.Errorf("bin/busybox = %+v with %q, want the binary, mode 0755", h, body)
	}
	for _, a := range []string{"bin/sh", "usr/bin/env", "sbin/ifconfig", "usr/sbin/chroot"} {
		if h := entries[a]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "/bin/busybox" {
			t.Errorf("%s = %+v, want a link to /bin/busybox", a, h)
		}
	}
	for _, a := range []string{"linuxrc", "usr/lib/x", "bin/a/b"} {
		if entries[a] != nil {
			t.Errorf("%s is in the layer; its directory is not", a)
		}
	}
	if h := entries["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("tmp/ = %+v, want mode 1777", h)
	}
	// Directories come before what they hold, so that every extractor can
	// create the links.
	seen := map[string]bool{}
	tr = tar.NewReader(bytes.NewReader(b))
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		if h.Typeflag == tar.TypeSymlink {
			d := h.Name[:bytes.LastIndexByte([]byte(h.Name), '/')+1]
			if !seen[d] {
				t.Errorf("%s comes before its directory %s", h.Name, d)
			}
		}
		seen[h.Name] = true
	}
}
