// Package image builds the stagehand container images without a Docker
// daemon, using github.com/google/go-containerregistry.
//
// An image is an empty base plus exactly one layer holding a static binary at
// its entrypoint path (mode 0555, owned by root), the directories above
// it and a world-writable /tmp. The config runs the binary as the numeric user
// 65532:65532 with WorkingDir "/" and a standard PATH; no /etc/passwd is
// needed. Manifest, config and layer use the OCI media types.
//
// Builds are reproducible: every timestamp (the config's created time, the
// history entry and the layer's file times) is [Spec.Created], which defaults
// to SOURCE_DATE_EPOCH or the Unix epoch, so the same binary always gives the
// same image digest.
//
// [Build] checks that the binary is a statically linked Linux ELF executable
// for the image's architecture: anything else could not start on an empty
// base.
//
// [WriteTarball] writes a tarball that `docker load`, `podman load`, crane
// and kind load; [WriteLayout] writes an OCI image layout directory.
package image
