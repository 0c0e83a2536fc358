package loadgen

import (
	"errors"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentileNearestRank(t *testing.T) {
	// 1..100 ms: the p-th percentile of 100 values is the p-th value.
	var values []time.Duration
	for i := 1; i <= 100; i++ {
		values = append(values, ms(i))
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{
		{0, ms(1)}, {1, ms(1)}, {50, ms(50)}, {50.5, ms(51)}, {99, ms(99)}, {99.9, ms(100)}, {100, ms(100)},
	}
	for _, c := range cases {
		if got := Percentile(values, c.p); got != c.want {
			t.Errorf("Percentile(1..100ms, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := Percentile(nil, 99); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
	// Few values: p99.9 of 10 values is the largest, p50 the 5th.
	few := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(1000)}
	if got := Percentile(few, 99.9); got != ms(1000) {
		t.Errorf("p99.9 of 10 values = %v, want the largest", got)
	}
	if got := Percentile(few, 50); got != ms(5) {
		t.Errorf("p50 of 10 values = %v, want 5ms", got)
	}
}

func TestMergeAndThroughput(t *testing.T) {
	boom := errors.New("boom")
	a := Result{Elapsed: time.Second, Requests: 100, Errors: 0, Latencies: []time.Duration{ms(1), ms(3)}}
	b := Result{Elapsed: time.Second, Requests: 50, Errors: 10, FirstError: boom, Latencies: []time.Duration{ms(2)}}
	m := Merge(a, b)
	if m.Requests != 150 || m.Errors != 10 || m.Elapsed != 2*time.Second || !errors.Is(m.FirstError, boom) {
		t.Fatalf("Merge = %+v", m)
	}
	if want := []time.Duration{ms(1), ms(2), ms(3)}; len(m.Latencies) != 3 || m.Latencies[1] != want[1] {
		t.Errorf("merged latencies %v, want sorted %v", m.Latencies, want)
	}
	// Errors do not count as throughput.
	if got := m.Throughput(); got != 70 {
		t.Errorf("Throughput = %v, want 70", got)
	}
	if got := (Result{}).Throughput(); got != 0 {
		t.Errorf("empty Throughput = %v, want 0", got)
	}
}
