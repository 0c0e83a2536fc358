// Package selfreview asks the API server, from inside a pod, who the pod's
// mounted ServiceAccount token authenticates (a SelfSubjectReview trusting
// the mounted ca.crt), with the standard library only, for the small
// programs the node tests and the demo run in pods (hack/cluster/probe,
// hack/cluster/standin).
package selfreview
