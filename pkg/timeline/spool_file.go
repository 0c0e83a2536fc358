package timeline

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Ack records that every event up to seq was delivered: the ack file is
// replaced atomically (and fsynced) before the events leave memory, so a
// crash at any point causes at most a duplicate delivery. The events file
// is truncated once everything was delivered, and rewritten when mostly
// delivered.
func (s *Spool) Ack(seq uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.acked {
		return nil
	}
	// Delivered events leave memory even when the ack cannot be written:
	// this agent must not send them again; a later one may (a duplicate).
	i := 0
	for i < len(s.pending) && s.pending[i].Seq <= seq {
		s.pendingBytes -= s.pending[i].size
		i++
	}
	s.pending = append(s.pending[:0], s.pending[i:]...)
	if err := writeFileAtomic(filepath.Join(s.dir, ackFile), []byte(strconv.FormatUint(seq, 10)+"\n")); err != nil {
		return fmt.Errorf("write spool ack: %w", err)
	}
	s.acked = seq
	switch {
	case len(s.pending) == 0 && !s.dirty:
		if err := s.file.Truncate(0); err != nil {
			s.dirty = true
			return fmt.Errorf("truncate spool: %w", err)
		}
		s.fileBytes = 0
	case s.dirty || s.fileBytes > 2*s.pendingBytes+64<<10:
		return s.rewrite()
	}
	return nil
}

// Sync flushes written events to disk.
func (s *Spool) Sync() error {
	s.mu.Lock()
	f := s.file
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("fsync spool: %w", err)
	}
	return nil
}

// Close syncs the spool and releases its lock. Undelivered events stay for
// the next OpenSpool.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unreported > 0 {
		s.logDrops(s.unreported)
	}
	var err error
	if s.dirty {
		err = s.rewrite()
	}
	if s.file != nil {
		if serr := s.file.Sync(); serr != nil && err == nil {
			err = fmt.Errorf("fsync spool: %w", serr)
		}
		s.file.Close()
		s.file = nil
	}
	s.unlock()
	return err
}

func (s *Spool) unlock() {
	if s.lock != nil {
		_ = syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
		s.lock.Close()
		s.lock = nil
	}
}

// CountStart increments the spool's start counter and returns its value
// before: 0 at the first start in this directory, then 1, 2, ... As the
// spool outlives container restarts, this is the container's restart
// count, as far as the agent is concerned.
func (s *Spool) CountStart() (int, error) {
	path := filepath.Join(s.dir, startsFile)
	n := 0
	if data, err := os.ReadFile(path); err == nil {
		if n, err = strconv.Atoi(strings.TrimSpace(string(data))); err != nil || n < 0 {
			return 0, fmt.Errorf("spool start counter %s is corrupt: %q", path, data)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("read spool start counter: %w", err)
	}
	if err := writeFileAtomic(path, []byte(strconv.Itoa(n+1)+"\n")); err != nil {
		return 0, fmt.Errorf("write spool start counter: %w", err)
	}
	return n, nil
}

// rewrite replaces the events file with the pending events: temporary
// file, fsync, rename. Records keep their sequence numbers, so the ack
// file stays valid whatever the order of a crash.
func (s *Spool) rewrite() error {
	var buf []byte
	for _, r := range s.pending {
		line, err := encodeRecord(r)
		if err != nil {
			return err
		}
		buf = append(buf, line...)
	}
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
	if err := writeFileAtomic(filepath.Join(s.dir, eventsFile), buf); err != nil {
		s.dirty = true
		if oerr := s.openAppend(); oerr != nil {
			return errors.Join(fmt.Errorf("rewrite spool: %w", err), oerr)
		}
		return fmt.Errorf("rewrite spool: %w", err)
	}
	s.dirty = false
	return s.openAppend()
}

func (s *Spool) rewriteIf(cond bool) error {
	if !cond {
		return nil
	}
	return s.rewrite()
}

func (s *Spool) openAppend() error {
	f, err := openShared(filepath.Join(s.dir, eventsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE)
	if err != nil {
		return fmt.Errorf("open spool: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat spool: %w", err)
	}
	s.file, s.fileBytes = f, st.Size()
	return nil
}

// openShared opens a spool file and makes it writable by the pod's other
// containers when this process created it.
func openShared(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag, fileMode)
	if err != nil {
		return nil, err
	}
	_ = f.Chmod(fileMode) // best effort: it may belong to another user
	return f, nil
}

// writeFileAtomic replaces path with data: temporary file, fsync, rename,
// fsync of the directory.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	_ = tmp.Chmod(fileMode)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// adopt opens the spools other agents of the pod left behind with events
// in them, unless their agent is still running.
func adopt(root, own string, limits Limits, log *slog.Logger) []*Spool {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []*Spool
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() || dir == own {
			continue
		}
		sp, err := OpenSpool(dir, limits, log)
		if err != nil {
			if !errors.Is(err, ErrSpoolLocked) {
				log.Debug("cannot adopt a spool", "spool", dir, "error", err)
			}
			continue
		}
		if sp.Len() == 0 {
			sp.Close()
			continue
		}
		log.Info("sending events left by an earlier agent", "spool", dir, "events", sp.Len())
		out = append(out, sp)
	}
	return out
}

// safeName makes a container name usable as a directory name.
func safeName(s string) string {
	s = strings.Map(func(c rune) rune {
		if c == '/' || c == 0 {
			return '_'
		}
		return c
	}, s)
	if s == "" || s == "." || s == ".." {
		return "_" + s
	}
	return s
}
