// Command images builds one stagehand container image without a Docker
// daemon: a static binary on an empty base, written as an image tarball for
// `docker load`, `kind load image-archive` or `crane push` (see package
// github.com/stagehand-k8s/stagehand/internal/image).
//
//	go run ./hack/images --binary bin/agent --entrypoint /agent \
//	    --ref ghcr.io/stagehand-k8s/agent:v1.2.3 --out bin/images/agent.tar
//
// --layout DIR also writes (or updates) an OCI image layout. The version
// label defaults to the tag of --ref; timestamps come from SOURCE_DATE_EPOCH
// (default: the Unix epoch), so the same binary gives the same digest.
package main
