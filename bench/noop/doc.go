// Command noop is the floor of the webhook benchmarks: a controller-runtime
// webhook.Server with one admission.Webhook whose handler answers
// admission.Allowed("") without decoding the object. It serves with the same
// TLS settings as stagehand (TLS 1.2 or later, HTTP/1.1 only) and logs like
// it (zap JSON at info), so that the only difference the benchmarks measure
// is stagehand's own work. At the same path plus "-patch" it answers with a
// patch of one operation instead (an annotation added): the floor of a
// webhook that changes the pod at all, which makes the API server apply a
// patch and run its mutating admission a second time.
//
//	noop --port 9443 --cert-dir DIR [--host 127.0.0.1] [--path /mutate-v1-pod]
package main
