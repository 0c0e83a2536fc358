package webhook

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The result label of stagehand_admission_total.
const (
	resultAllowed = "allowed"
	resultDenied  = "denied"
	resultError   = "error"
)

// reasonUndecodable labels requests whose object is not a Pod.
const reasonUndecodable = "undecodable"

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

func init() {
	metrics.Registry.MustRegister(admissionTotal, cacheTotal)
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
