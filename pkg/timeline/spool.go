package timeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Spool bounds.
const (
	DefaultMaxSpoolBytes  = 4 << 20
	DefaultMaxSpoolEvents = 10000
)

// Files in a spool directory. The directory and its files are world
// writable on purpose: the spool volume is private to the pod, and the
// agent of one container (say uid 1000) must be able to send and
// acknowledge what another (the fetcher, uid 65532) left behind.
const (
	eventsFile = "events.jsonl"
	ackFile    = "ack"
	startsFile = "starts"
	lockFile   = "lock"
	dirMode    = 0o777
	fileMode   = 0o666
)

// ErrSpoolLocked means another running agent holds the spool.
var ErrSpoolLocked = errors.New("spool is held by another running agent")

// Class decides what a full spool may drop.
type Class string

const (
	// ClassLifecycle events (started, killed, finished) are never dropped.
	ClassLifecycle Class = "lifecycle"
	// ClassProgress events are dropped, oldest first, when the spool is
	// full.
	ClassProgress Class = "progress"
)

// Record is one spooled event: an entity carrying exactly one event, and
// its sequence number in the spool.
type Record struct {
	Seq    uint64 `json:"seq"`
	Class  Class  `json:"class"`
	Entity Entity `json:"entity"`
	size   int64
}

// Limits bound the unsent part of a spool.
type Limits struct {
	MaxBytes  int64
	MaxEvents int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxSpoolBytes
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxSpoolEvents
	}
	return l
}

// Spool is a durable, bounded queue of events in a directory: the JSON
// lines of events.jsonl, of which those up to the sequence number in ack
// have been delivered. A Spool is locked (flock) while open. Its methods
// are safe for concurrent use.
type Spool struct {
	dir    string
	limits Limits
	log    *slog.Logger

	mu           sync.Mutex
	lock         *os.File
	file         *os.File
	fileBytes    int64
	dirty        bool // the file may not match pending; rewrite it
	pending      []Record
	pendingBytes int64
	nextSeq      uint64
	acked        uint64
	unreported   int // drops not yet reported in an event
	dropped      int // drops since open
}

// OpenSpool opens (creating it) the spool in dir and locks it. It returns
// an error wrapping ErrSpoolLocked when another process holds it.
func OpenSpool(dir string, limits Limits, log *slog.Logger) (*Spool, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("create spool directory: %w", err)
	}
	_ = os.Chmod(dir, dirMode) // best effort: it may belong to another user
	lock, err := openShared(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("open spool lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("spool %s: %w", dir, ErrSpoolLocked)
		}
		return nil, fmt.Errorf("lock spool %s: %w", dir, err)
	}
	s := &Spool{dir: dir, limits: limits.withDefaults(), log: log, lock: lock}
	if err := s.load(); err != nil {
		s.unlock()
		return nil, err
	}
	return s, nil
}

// load reads the ack file and the unacknowledged events, and compacts the
// file when it held anything else (delivered, torn or corrupt lines).
func (s *Spool) load() error {
	if data, err := os.ReadFile(filepath.Join(s.dir, ackFile)); err == nil {
		s.acked, _ = strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read spool ack: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(s.dir, eventsFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read spool: %w", err)
	}
	maxSeq, skipped := s.acked, 0
	for len(data) > 0 {
		line, rest, complete := bytes.Cut(data, []byte("\n"))
		data = rest
		var r Record
		if !complete || json.Unmarshal(line, &r) != nil || len(r.Entity.Events) != 1 {
			skipped++ // a torn last line after a crash, or garbage
			continue
		}
		maxSeq = max(maxSeq, r.Seq)
		if r.Seq <= s.acked {
			skipped++
			continue
		}
		r.size = int64(len(line)) + 1
		s.pending = append(s.pending, r)
		s.pendingBytes += r.size
	}
	s.nextSeq = maxSeq + 1
	for s.overLimit(0) && s.dropOldestProgress() {
	}
	if skipped > 0 || s.dropped > 0 {
		return s.rewrite()
	}
	return s.openAppend()
}

// Append adds one event (an entity with exactly one event) and returns its
// record. The event is written to the file before Append returns (one
// write(2), no fsync: see Sync). When the spool is full, the oldest
// progress events are dropped; a progress event with nothing older to drop
// is itself dropped (ok false). Lifecycle events are always kept. The
// count of drops is added to the next stored event's eventinfo. A write
// error is returned, but the event stays queued in memory.
func (s *Spool) Append(class Class, e Entity) (r Record, ok bool, err error) {
	if len(e.Events) != 1 {
		return Record{}, false, fmt.Errorf("spool: entity %q carries %d events, want 1", e.ID, len(e.Events))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r = Record{Seq: s.nextSeq, Class: class, Entity: e}
	line, err := encodeRecord(r)
	if err != nil {
		return Record{}, false, err
	}
	rewrite := false
	for s.overLimit(int64(len(line))) {
		if !s.dropOldestProgress() {
			if class == ClassProgress {
				s.noteDrops(1)
				return Record{}, false, s.rewriteIf(rewrite)
			}
			break
		}
		rewrite = true
	}
	if s.unreported > 0 {
		ev := &r.Entity.Events[0]
		info := make(map[string]any, len(ev.Info)+1)
		for k, v := range ev.Info {
			info[k] = v
		}
		info[DroppedInfoKey] = s.unreported
		s.logDrops(s.unreported)
		ev.Info = info
		if line, err = encodeRecord(r); err != nil {
			return Record{}, false, err
		}
		s.unreported = 0
	}
	s.nextSeq++
	r.size = int64(len(line))
	s.pending = append(s.pending, r)
	s.pendingBytes += r.size
	if rewrite || s.dirty {
		return r, true, s.rewrite()
	}
	n, err := s.file.Write(line)
	s.fileBytes += int64(n)
	if err != nil {
		s.dirty = true
		return r, true, fmt.Errorf("write spool: %w", err)
	}
	return r, true, nil
}

func encodeRecord(r Record) ([]byte, error) {
	line, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode spool record: %w", err)
	}
	return append(line, '\n'), nil
}

func (s *Spool) overLimit(extra int64) bool {
	n := len(s.pending)
	if extra > 0 {
		n++
	}
	return s.pendingBytes+extra > s.limits.MaxBytes || n > s.limits.MaxEvents
}

// dropOldestProgress removes the oldest pending progress event.
func (s *Spool) dropOldestProgress() bool {
	for i, r := range s.pending {
		if r.Class != ClassProgress {
			continue
		}
		s.pending = append(s.pending[:i], s.pending[i+1:]...)
		s.pendingBytes -= r.size
		s.noteDrops(1)
		// Its own report of earlier drops must not be lost with it.
		switch n := r.Entity.Events[0].Info[DroppedInfoKey].(type) {
		case float64: // decoded from the file
			s.unreported += int(n)
		case int:
			s.unreported += n
		}
		return true
	}
	return false
}

// noteDrops counts drops; they are logged once reported in an event (or
// at Close).
func (s *Spool) noteDrops(n int) {
	s.unreported += n
	s.dropped += n
}

func (s *Spool) logDrops(n int) {
	s.log.Warn("timeline spool was full: dropped the oldest progress events", "dropped", n,
		"droppedTotal", s.dropped, "spool", s.dir, "maxBytes", s.limits.MaxBytes, "maxEvents", s.limits.MaxEvents)
}

// Dropped is the number of events dropped since the spool was opened.
func (s *Spool) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Len is the number of undelivered events.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Dir is the spool's directory.
func (s *Spool) Dir() string { return s.dir }

// Pending returns up to maxEvents of the oldest undelivered records, at
// most maxBytes of them (but at least one).
func (s *Spool) Pending(maxEvents int, maxBytes int64) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	var size int64
	for _, r := range s.pending {
		if len(out) == maxEvents || (len(out) > 0 && size+r.size > maxBytes) {
			break
		}
		out = append(out, r)
		size += r.size
	}
	return out
}
