// Command noop is the floor of the webhook benchmarks: a controller-runtime
// webhook.Server with one admission.Webhook whose handler answers
// admission.Allowed("") without decoding the object. It serves with the same
// TLS settings as stagehand (TLS 1.2 or later, HTTP/1.1 only) and logs like
// it (zap JSON at info), so that the only difference the benchmarks measure
// is stagehand's own work.
//
//	noop --port 9443 --cert-dir DIR [--host 127.0.0.1] [--path /mutate-v1-pod]
package main
