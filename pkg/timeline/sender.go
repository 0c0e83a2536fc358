package timeline

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Delivery tuning. The zero value of each field means the default.
type Delivery struct {
	// BatchEvents and BatchBytes bound one POST (100 events, 1 MiB).
	BatchEvents int
	BatchBytes  int64
	// MinBackoff and MaxBackoff bound the delay between attempts
	// (500ms, 30s); it doubles per failure, with jitter.
	MinBackoff, MaxBackoff time.Duration
	// FlushBackoff caps the delay while flushing at exit (250ms).
	FlushBackoff time.Duration
	// RequestTimeout bounds one POST (10s).
	RequestTimeout time.Duration
}

func (d Delivery) withDefaults() Delivery {
	def := func(v *time.Duration, dv time.Duration) {
		if *v <= 0 {
			*v = dv
		}
	}
	if d.BatchEvents <= 0 {
		d.BatchEvents = 100
	}
	if d.BatchBytes <= 0 {
		d.BatchBytes = 1 << 20
	}
	def(&d.MinBackoff, 500*time.Millisecond)
	def(&d.MaxBackoff, 30*time.Second)
	def(&d.FlushBackoff, 250*time.Millisecond)
	def(&d.RequestTimeout, 10*time.Second)
	return d
}

// backoff is the delay before attempt n+1 after n failures: exponential,
// with equal jitter (half fixed, half random).
func (d Delivery) backoff(failures int, flushing bool) time.Duration {
	limit := d.MaxBackoff
	if flushing {
		limit = min(limit, d.FlushBackoff)
	}
	delay := d.MinBackoff
	for i := 1; i < failures && delay < limit; i++ {
		delay *= 2
	}
	delay = min(delay, limit)
	return delay/2 + rand.N(delay/2+1)
}

// sender delivers spools in the background: the spools adopted from
// earlier agents first, then the reporter's own, each in order.
type sender struct {
	client *Client
	spools []*Spool
	log    *slog.Logger
	cfg    Delivery

	wake  chan struct{}
	flush chan struct{}
	done  chan struct{}

	mu       sync.Mutex
	err      error // the permanent error that stopped delivery
	reported map[EntityError]bool
}

func newSender(client *Client, spools []*Spool, cfg Delivery, log *slog.Logger) *sender {
	return &sender{
		client: client, spools: spools, log: log, cfg: cfg.withDefaults(),
		wake: make(chan struct{}, 1), flush: make(chan struct{}), done: make(chan struct{}),
		reported: map[EntityError]bool{},
	}
}

// notify wakes the sender after an append.
func (s *sender) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *sender) stopErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// run delivers until ctx is canceled, a permanent error occurs, or, once
// flush is closed, nothing is left.
func (s *sender) run(ctx context.Context) {
	defer close(s.done)
	flush := s.flush
	flushing := false
	failures := 0
	for {
		spool, batch := s.next()
		if len(batch) == 0 {
			if flushing {
				return
			}
			select {
			case <-s.wake:
			case <-flush:
				flushing, flush = true, nil
			case <-ctx.Done():
				return
			}
			continue
		}
		err := s.deliver(ctx, spool, batch)
		if err == nil {
			if failures > 0 {
				s.log.Info("timeline server reachable again", "endpoint", s.client.Endpoint(), "failedAttempts", failures)
			}
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if !Retryable(err) {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			s.log.Error("timeline reporting stopped; events stay in the spool for the next agent start",
				"error", err, "endpoint", s.client.Endpoint(), "spool", spool.Dir())
			return
		}
		failures++
		delay := s.cfg.backoff(failures, flushing)
		if failures == 1 || failures%10 == 0 {
			s.log.Warn("cannot deliver timeline events; retrying", "error", err, "endpoint", s.client.Endpoint(),
				"attempt", failures, "retryInSeconds", delay.Seconds(), "pending", len(batch))
		}
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-flush: // exiting: try again now, then with short delays
			flushing, flush = true, nil
		case <-ctx.Done():
			timer.Stop()
			return
		}
		timer.Stop()
	}
}

// next is the oldest batch of the first spool with pending events.
func (s *sender) next() (*Spool, []Record) {
	for _, sp := range s.spools {
		if batch := sp.Pending(s.cfg.BatchEvents, s.cfg.BatchBytes); len(batch) > 0 {
			return sp, batch
		}
	}
	return nil, nil
}

// deliver posts one batch and acknowledges it. The whole batch is retried
// when any entity failed with a retryable code: the server merges the
// duplicates. Entities rejected for good are logged and acknowledged.
func (s *sender) deliver(ctx context.Context, spool *Spool, batch []Record) error {
	if err := spool.Sync(); err != nil {
		s.log.Warn("cannot fsync the timeline spool", "error", err, "spool", spool.Dir())
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	resp, err := s.client.Put(ctx, mergeRecords(batch))
	if err != nil {
		return err
	}
	var retry error
	for _, e := range resp.EntityErrors() {
		if e.Code.Retryable() {
			retry = errors.Join(retry, e)
			continue
		}
		if !s.reported[*e] {
			s.reported[*e] = true
			s.log.Error("timeline server rejected an entity; its events are dropped", "error", e,
				"entity", e.EntityID, "entityType", e.EntityType, "code", int(e.Code))
		}
	}
	if retry != nil {
		return retry
	}
	if err := spool.Ack(batch[len(batch)-1].Seq); err != nil {
		s.log.Warn("cannot record delivered timeline events; they may be sent again after a restart",
			"error", err, "spool", spool.Dir())
	}
	return nil
}

// mergeRecords groups the records' events by entity, in order.
func mergeRecords(batch []Record) []Entity {
	var out []Entity
	index := map[[2]string]int{}
	for _, r := range batch {
		key := [2]string{r.Entity.Type, r.Entity.ID}
		i, ok := index[key]
		if !ok {
			index[key] = len(out)
			e := r.Entity
			e.Events = nil
			out = append(out, e)
			i = len(out) - 1
		}
		out[i].Events = append(out[i].Events, r.Entity.Events...)
	}
	return out
}
