package main

import (
	"slices"
	"time"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
)

// median returns the nearest-rank median (the lower middle value for an
// even count), or 0 for none.
func median(ds []time.Duration) time.Duration {
	return quantile(ds, 0.5)
}

// quantile returns the nearest-rank q-quantile (0 < q <= 1) of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return loadgen.Percentile(s, q*100)
}

// medianFloat is median for floats.
func medianFloat(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
