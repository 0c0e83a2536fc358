// Package demo shows stagehand at work on a real node, for `make demo`
// (hack/with-node.sh brings the local cluster up before and down after):
//
//  1. stagehand installed from manifests/self-signed as an admin installs
//     it (package nodeenv): the two webhook replicas running the image of
//     bin/webhook, the webhook configurations, profiles' CRD and guards;
//  2. stand-ins for the images the examples name, which cannot be pulled
//     on the node, imported under the examples' references
//     (hack/cluster/standin, the node's busybox), and the Timeline Server
//     stand-in's image (hack/cluster/timeline);
//  3. the examples' namespace and InjectionProfiles
//     (manifests/examples/profiles), then, once the webhook applies them,
//  4. the artifact server (busybox httpd serving the profile mr3-workers'
//     jar) and the Timeline Server stand-in as pods behind the Services
//     the examples name; the node has no cluster DNS, so the example pods
//     get hostAliases for the two names, the only change made to them;
//  5. the examples (manifests/examples) created as a user creates them,
//     with what stagehand injected into each pod and why;
//  6. what the kubelet reports for each pod once it has got where it can:
//     phase, container IDs, every container's exit, the termination
//     messages (the agent's JSON), the workload's log; HiveServer2, a
//     service, is deleted once it has reported to the Timeline Server, to
//     free the CPU the Spark executor waits for on this two-core node;
//  7. the entities the Timeline Server stand-in received.
//
// Run holds the node (nodeenv.Lock) while it runs; it never takes the
// cluster down: that is with-node.sh's part, so that the demo's test can run in
// `make test` on the cluster the other suites share.
package demo
