// Command probe asks the API server who it is (a SelfSubjectReview) with
// a ServiceAccount token mounted in the pod, and prints the answer's user
// as one JSON line. It reaches the API server as a pod does, at
// $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT_HTTPS, trusting only
// the mounted ca.crt. It exists because busybox's wget cannot do TLS with
// the API server; test/node runs it, under the agent, to prove that the
// token stagehand injects is accepted.
//
//	probe [--dir /var/run/secrets/kubernetes.io/serviceaccount]
//
// It exits 0 when the API server authenticated the token, 1 otherwise.
package main
