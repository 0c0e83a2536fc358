package timeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Identity is who runs: the pod (from the downward API) and container.
type Identity struct {
	Namespace, Pod, Container, Node, Image string
	// User is the task's user, when known.
	User string
}

// Config configures a Reporter.
type Config struct {
	// URL is the Timeline Server's base URL. Required.
	URL  string
	Auth Auth
	// SpoolDir is the spool volume shared by the pod's containers; each
	// container spools in its own subdirectory. Empty means a temporary
	// directory, and then the entity id ends in the start time in
	// milliseconds instead of the restart count.
	SpoolDir string
	Identity Identity
	// Command is the task's command line; it is redacted (RedactArgs)
	// before it is reported.
	Command []string
	// ProgressEvent, when set, is reported every ProgressInterval.
	ProgressEvent    string
	ProgressInterval time.Duration
	Limits           Limits
	Delivery         Delivery
	// HTTPClient nil means a default client.
	HTTPClient *http.Client
	// Logger nil discards.
	Logger *slog.Logger
}

// Reporter spools a run's events and delivers them in the background.
// Its methods never block on the network.
type Reporter struct {
	log      *slog.Logger
	base     Entity
	secret   string
	started  time.Time
	own      *Spool
	spools   []*Spool
	tempRoot string
	sender   *sender
	cancel   context.CancelFunc
	stopTick chan struct{}
	// progressInfo, when set, adds to every periodic progress event.
	progressInfo atomic.Pointer[func() map[string]any]

	mu     sync.Mutex
	closed bool
}

// FlushError reports events left undelivered at Close. They stay in the
// spool for the next agent start.
type FlushError struct {
	Pending int
	Spool   string
	Err     error
}

func (e *FlushError) Error() string {
	return fmt.Sprintf("%d timeline events not delivered, left in %s: %v", e.Pending, e.Spool, e.Err)
}

func (e *FlushError) Unwrap() error { return e.Err }

// Start opens the spool (counting this start), adopts the leftovers of
// earlier agents of the pod, and starts delivering in the background. It
// does not contact the server.
func Start(cfg Config) (*Reporter, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("reporter", "timeline")
	client, err := NewClient(cfg.URL, cfg.Auth, cfg.HTTPClient)
	if err != nil {
		return nil, err
	}
	r := &Reporter{log: log, secret: cfg.Auth.Secret, started: time.Now(), stopTick: make(chan struct{})}
	root := cfg.SpoolDir
	if root == "" {
		if root, err = os.MkdirTemp("", "stagehand-spool-"); err != nil {
			return nil, fmt.Errorf("create temporary spool: %w", err)
		}
		r.tempRoot = root
	}
	id := cfg.Identity
	id.Container = orDefault(id.Container, "task")
	own := filepath.Join(root, safeName(id.Container))
	if r.own, err = OpenSpool(own, cfg.Limits, log); err != nil && r.tempRoot == "" {
		log.Warn("cannot use the spool volume; events will not survive a restart", "error", err, "spool", own)
		if r.tempRoot, err = os.MkdirTemp("", "stagehand-spool-"); err == nil {
			r.own, err = OpenSpool(filepath.Join(r.tempRoot, safeName(id.Container)), cfg.Limits, log)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	run := strconv.FormatInt(r.started.UnixMilli(), 10)
	if r.tempRoot == "" {
		if n, err := r.own.CountStart(); err != nil {
			log.Warn("cannot count restarts; the entity id uses the start time", "error", err)
		} else {
			run = strconv.Itoa(n)
		}
		r.spools = adopt(root, r.own.Dir(), cfg.Limits, log)
	}
	r.spools = append(r.spools, r.own)
	r.base = baseEntity(id, run, r.started, RedactArgs(cfg.Command, cfg.Auth.Secret))

	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.sender = newSender(client, r.spools, cfg.Delivery, log)
	go r.sender.run(ctx)
	if cfg.ProgressEvent != "" && cfg.ProgressInterval > 0 {
		go r.tick(cfg.ProgressEvent, cfg.ProgressInterval)
	}
	if cfg.Auth.Mode != AuthSimple && cfg.Auth.Secret == "" {
		log.Warn("ATS_SECRET_KEY is not set: sending no delegation token, which only a Timeline Server without security accepts")
	}
	log.Info("reporting to the timeline server", "endpoint", client.Endpoint(), "entity", r.base.ID,
		"auth", cfg.Auth, "spool", r.own.Dir(), "leftoverEvents", r.pending())
	return r, nil
}

// EntityID is this run's entity id.
func (r *Reporter) EntityID() string { return r.base.ID }

// Lifecycle records a start, kill or finish event; it is never dropped.
func (r *Reporter) Lifecycle(eventType string, at time.Time, info map[string]any) {
	r.event(ClassLifecycle, eventType, at, info)
}

// Progress records an event the spool may drop when full.
func (r *Reporter) Progress(eventType string, at time.Time, info map[string]any) {
	r.event(ClassProgress, eventType, at, info)
}

func (r *Reporter) event(class Class, eventType string, at time.Time, info map[string]any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	e := r.base
	e.Events = []Event{{Timestamp: at.UnixMilli(), Type: eventType, Info: r.scrub(info)}}
	if _, _, err := r.own.Append(class, e); err != nil {
		r.log.Warn("cannot spool a timeline event; it is only kept in memory", "event", eventType, "error", err)
	}
	r.sender.notify()
}

// SetProgressInfo makes every periodic progress event carry what info
// returns besides elapsedMs. info is called from the reporter's own
// goroutine and must not block; it may return nil.
func (r *Reporter) SetProgressInfo(info func() map[string]any) {
	if r != nil {
		r.progressInfo.Store(&info)
	}
}

func (r *Reporter) tick(eventType string, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			info := map[string]any{}
			if extra := r.progressInfo.Load(); extra != nil {
				maps.Copy(info, (*extra)())
			}
			info["elapsedMs"] = now.Sub(r.started).Milliseconds()
			r.Progress(eventType, now, info)
		case <-r.stopTick:
			return
		}
	}
}

func (r *Reporter) pending() int {
	n := 0
	for _, sp := range r.spools {
		n += sp.Len()
	}
	return n
}

// Close delivers what it can until ctx is done, then closes the spools.
// A *FlushError tells how many events stay in the spool for the next
// agent start; Close never waits beyond ctx.
func (r *Reporter) Close(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	close(r.stopTick)
	close(r.sender.flush)
	select {
	case <-r.sender.done:
	case <-ctx.Done():
	}
	r.cancel()
	<-r.sender.done
	left := r.pending()
	var errs []error
	for _, sp := range r.spools {
		if err := sp.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if left == 0 && r.tempRoot != "" {
		_ = os.RemoveAll(r.tempRoot)
	}
	if left > 0 {
		cause := r.sender.stopErr()
		if cause == nil {
			cause = fmt.Errorf("flush deadline reached: %w", context.Cause(ctx))
		}
		ferr := &FlushError{Pending: left, Spool: r.own.Dir(), Err: cause}
		r.log.Warn("timeline events not delivered before exit; they stay in the spool for the next agent start",
			"pending", left, "spool", r.own.Dir(), "error", cause)
		errs = append(errs, ferr)
	}
	return errors.Join(errs...)
}
