package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// coldStarts are, per server kind, the times from starting the process to
// its first admission of the MR3 pod (with a patch, for stagehand).
type coldStarts map[string][]time.Duration

// median of one kind's starts.
func (c coldStarts) median(kind string) time.Duration {
	return median(c[kind])
}

// benchColdStart starts each kind o.coldStarts times, alternating, and
// times each to its first admission.
func benchColdStart(ctx context.Context, o options, w *workspace, mr3 fixture, log io.Writer) (coldStarts, error) {
	res := coldStarts{}
	for range o.coldStarts {
		for _, kind := range []string{kindStagehand, kindNoop} {
			s, err := startServer(w, kind, "")
			if err != nil {
				return res, err
			}
			at, err := s.waitAdmitting(ctx, w, mr3)
			stopErr := s.stop()
			if err != nil {
				return res, err
			}
			if stopErr != nil {
				return res, stopErr
			}
			d := at.Sub(s.started)
			res[kind] = append(res[kind], d)
			fmt.Fprintf(log, "cold start %-9s %v\n", kind, d.Round(time.Microsecond))
		}
	}
	return res, nil
}
