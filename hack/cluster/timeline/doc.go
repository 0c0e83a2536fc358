// Command timeline is the Timeline Server stand-in that `make demo` runs as
// a pod behind the Service timeline of hivemr3-demo (image
// stagehand.local/timeline:1): the ATS v1 REST server of package
// timelinetest, with MR3's authentication, listening on --addr. Its
// ATS_SECRET_KEY comes from the environment (in the demo, from the
// ConfigMap client-am-config, through the kubelet); every request is logged
// with its answer, never with its token.
package main
