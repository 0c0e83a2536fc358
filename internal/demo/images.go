package demo

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/stagehand-k8s/stagehand/internal/image"
	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// timelineImage is the Timeline Server stand-in's image (hack/cluster/timeline).
const timelineImage = "stagehand.local/timeline:1"

// standIn is how the demo makes an image the examples name.
type standIn struct {
	// what the image holds, for the narration.
	what string
	// entrypoint is where the stand-in binary goes; links are more names
	// for it in the same directory. Empty: the node's busybox, retagged.
	entrypoint string
	links      []string
}

// standIns are the stand-ins of the examples' images, by reference as the
// examples write it.
var standIns = map[string]standIn{
	"busybox:1.36": {what: "the node's busybox (Debian's static busybox)"},
	"mr3project/hive:4.0.0.mr3.2.1": {what: "hack/cluster/standin as run-worker.sh, hiveserver2-service.sh and metastore-service.sh",
		entrypoint: "/opt/mr3-run/hive/run-worker.sh", links: []string{"hiveserver2-service.sh", "metastore-service.sh"}},
	"apache/spark:3.5.3": {what: "hack/cluster/standin as /opt/entrypoint.sh", entrypoint: "/opt/entrypoint.sh"},
}

// importStandIns builds an image for each image the examples run, under
// the examples' reference, and the Timeline Server stand-in's, and imports
// them into the node's containerd. The pods' imagePullPolicy
// (IfNotPresent, the default for a tag) then uses them; nothing is pulled.
func importStandIns(ctx context.Context, opts Options, tmp string, n *narrator) error {
	refs, err := exampleImages(filepath.Join(opts.Root, "manifests", "examples"))
	if err != nil {
		return err
	}
	standin, err := nodeenv.BuildStatic(ctx, opts.Root, "hack/cluster/standin", tmp)
	if err != nil {
		return err
	}
	timeline, err := nodeenv.BuildStatic(ctx, opts.Root, "hack/cluster/timeline", tmp)
	if err != nil {
		return err
	}
	var tarballs []string
	for i, ref := range refs {
		s := standIns[ref]
		var img v1.Image
		if s.entrypoint == "" {
			img, err = clusterBusybox(opts.Kubeconfig)
		} else {
			img, err = linkedImage(standin, s.entrypoint, image.TagVersion(ref), s.links)
		}
		if err != nil {
			return fmt.Errorf("stand-in for %s: %w", ref, err)
		}
		out := filepath.Join(tmp, fmt.Sprintf("image-%d.tar", i))
		if err := image.WriteTarball(out, ref, img); err != nil {
			return err
		}
		tarballs = append(tarballs, out)
		n.line("%-30s %s", ref, s.what)
	}
	img, err := image.Build(image.Spec{Binary: timeline, Entrypoint: "/timeline", Version: image.TagVersion(timelineImage)})
	if err != nil {
		return err
	}
	out := filepath.Join(tmp, "timeline.tar")
	if err := image.WriteTarball(out, timelineImage, img); err != nil {
		return err
	}
	n.line("%-30s hack/cluster/timeline, the Timeline Server stand-in", timelineImage)
	tarballs = append(tarballs, out)
	cmd := exec.CommandContext(ctx, filepath.Join(opts.Root, "hack", "cluster", "import.sh"), tarballs...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("importing the stand-in images: %w: %s", err, b)
	}
	n.done("imported into the node's containerd under those names; the pods' imagePullPolicy IfNotPresent finds them there")
	return nil
}

// exampleImages lists the images the examples' pods and pod templates
// run, failing for one the demo has no stand-in for.
func exampleImages(dir string) ([]string, error) {
	objects, err := overlay.Build(dir)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, u := range objects {
		spec := []string{"spec"}
		if u.GetKind() != "Pod" {
			spec = []string{"spec", "template", "spec"}
		}
		for _, field := range []string{"initContainers", "containers"} {
			cs, _, _ := unstructured.NestedSlice(u.Object, append(spec, field)...)
			for _, c := range cs {
				ref, _, _ := unstructured.NestedString(c.(map[string]any), "image")
				if ref == "" || slices.Contains(refs, ref) {
					continue
				}
				if _, ok := standIns[ref]; !ok {
					return nil, fmt.Errorf("%s %s runs image %s, for which the demo has no stand-in (internal/demo/images.go)", u.GetKind(), u.GetName(), ref)
				}
				refs = append(refs, ref)
			}
		}
	}
	slices.Sort(refs)
	return refs, nil
}

// clusterBusybox is the busybox image cluster-up built, from its tarball
// next to the kubeconfig (docs/development.md).
func clusterBusybox(kubeconfig string) (v1.Image, error) {
	p := filepath.Join(filepath.Dir(kubeconfig), "images", "busybox.tar")
	img, err := tarball.ImageFromPath(p, nil)
	if err != nil {
		return nil, fmt.Errorf("the node's busybox image (%s, made by cluster-up): %w", p, err)
	}
	return img, nil
}

// linkedImage is the image of binary at entrypoint, with links, symbolic
// links in entrypoint's directory, as more names for it: the stand-in
// acts on the name it is run as.
func linkedImage(binary, entrypoint, version string, links []string) (v1.Image, error) {
	if version == "" {
		version = "stand-in"
	}
	img, err := image.Build(image.Spec{Binary: binary, Entrypoint: entrypoint, Version: version, Title: "stagehand demo stand-in"})
	if err != nil || len(links) == 0 {
		return img, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := strings.TrimPrefix(path.Dir(entrypoint), "/")
	for _, l := range links {
		h := &tar.Header{Typeflag: tar.TypeSymlink, Name: path.Join(dir, l), Linkname: path.Base(entrypoint), Mode: 0o777,
			ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	return mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer})
}
