// Package admissiontest builds AdmissionReviews the way the API server sends
// them and reads the webhook's answers, for the tests and benchmarks that
// drive pkg/webhook's handler.
package admissiontest
