# Builds the helper programs and the node's images, and imports the images
# into containerd. Sourced by up.sh after lib.sh.
# shellcheck shell=bash

# build_tools builds the loopback publisher and the pause binary (static) into
# $dir/bin, and the pause and busybox image tarballs into $dir/images.
build_tools() {
  mkdir -p "$dir/bin" "$dir/images"
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$dir/bin/publish" ./hack/cluster/publish)
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/bin/pause" ./hack/cluster/pause)
  (cd "$root" && go run ./hack/images --binary "$dir/bin/pause" --entrypoint /pause --ref "$PAUSE_IMAGE" \
    --out "$dir/images/pause.tar" >/dev/null)
  (cd "$root" && go run ./hack/cluster/busybox --binary "$(command -v busybox)" --ref "$BUSYBOX_IMAGE" \
    --out "$dir/images/busybox.tar")
}

# ctr talks to the cluster's containerd, in the namespace the kubelet's
# images live in.
ctr() { command ctr --address "$dir/containerd/containerd.sock" --namespace k8s.io "$@"; }

# import_image TARBALL imports an image tarball (docker-archive or OCI) and
# unpacks it for the overlayfs snapshotter the CRI plugin uses.
import_image() {
  ctr images import --snapshotter overlayfs "$1" >/dev/null
}
