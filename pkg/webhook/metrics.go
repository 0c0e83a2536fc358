package webhook

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The result label of stagehand_admission_total.
const (
	resultAllowed = "allowed"
	resultDenied  = "denied"
	resultError   = "error"
)

// Reasons of requests that were not answered with an injection.
const (
	// reasonUndecodable labels requests whose object is not a Pod.
	reasonUndecodable = "undecodable"
	// reasonBusy labels requests refused because large requests in flight
	// hold the most memory they may.
	reasonBusy = "busy"
	// reasonTimeout labels requests whose deadline passed, or whose caller
	// went away, before they were answered.
	reasonTimeout = "timeout"
	// reasonProfilesUnavailable labels pods without stagehand.io/
	// annotations admitted untouched because the InjectionProfiles could
	// not be read.
	reasonProfilesUnavailable = "profiles-unavailable"
)

// admissionTotal counts admission requests by result and reason. Labels are
// fixed, short words: never names, values or anything from the pod.
var admissionTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "stagehand_admission_total",
	Help: "Admission requests handled by the stagehand webhook, by result (allowed, denied, error) and reason.",
}, []string{"result", "reason"})

// The result label of stagehand_injection_cache_total.
const (
	cacheHit  = "hit"
	cacheMiss = "miss"
)

// cacheTotal counts lookups of the injection cache by result.
var cacheTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "stagehand_injection_cache_total",
	Help: "Lookups of the webhook's cache of injected pods, by result (hit, miss).",
}, []string{"result"})

// The two series of cacheTotal, resolved once: they count every request.
var (
	cacheHits   = cacheTotal.WithLabelValues(cacheHit)
	cacheMisses = cacheTotal.WithLabelValues(cacheMiss)
)

// The HTTP metrics of the admission server, as controller-runtime's webhook
// server had them (controller_runtime_webhook_*), under stagehand's names.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stagehand_webhook_requests_total",
		Help: "HTTP requests to the admission webhook, by status code.",
	}, []string{"code"})
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "stagehand_webhook_request_duration_seconds",
		Help:    "Time to answer an HTTP request to the admission webhook, body read included.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, nil)
	requestsInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "stagehand_webhook_requests_in_flight",
		Help: "HTTP requests the admission webhook is reading or answering.",
	})
)

func init() {
	metrics.Registry.MustRegister(admissionTotal, cacheTotal, requestsTotal, requestDuration, requestsInFlight)
}

// instrument counts and times the requests h serves.
func instrument(h http.Handler) http.Handler {
	return promhttp.InstrumentHandlerInFlight(requestsInFlight,
		promhttp.InstrumentHandlerDuration(requestDuration,
			promhttp.InstrumentHandlerCounter(requestsTotal, h)))
}

// AdmissionCount returns the current value of stagehand_admission_total for
// one result and reason. Tests use it to see what reached the webhook.
func AdmissionCount(result, reason string) float64 {
	return counterValue(admissionTotal.WithLabelValues(result, reason))
}

// CacheLookups returns the current value of stagehand_injection_cache_total
// for one result, "hit" or "miss". Tests use it to see whether the cache
// answered.
func CacheLookups(result string) float64 {
	return counterValue(cacheTotal.WithLabelValues(result))
}

// counterValue is the current value of a counter.
func counterValue(c prometheus.Counter) float64 {
	m := &dto.Metric{}
	if err := c.Write(m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
