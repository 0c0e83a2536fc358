package fetch

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// progress follows every dependency of a run through its states (see the
// State* constants of package termination) for the periodic progress log
// lines, the FETCH_PROGRESS events and the termination message.
//
// Two byte counts are kept: traffic, every byte received, failed attempts
// included, which gives the rate; and each dependency's bytes of its
// current attempt, whose sum against the sizes servers declared gives the
// share done, so that a retried download is not counted twice. The total is
// the sum of the sizes servers declared (Content-Length of a download or of
// a size probe) of the dependencies not failed.
type progress struct {
	started time.Time
	files   []*fileProgress // in job order
	byDep   map[*dependency]*fileProgress
	traffic atomic.Int64
	// secret is removed from every error text kept (the bearer token).
	secret string

	mu sync.Mutex
}

// fileProgress is the progress of one dependency. received is written by
// its download only; the rest is guarded by progress.mu.
type fileProgress struct {
	dep      *dependency
	received atomic.Int64

	state    string
	size     int64 // declared size, -1 while unknown
	attempts int
	begun    time.Time // its first attempt
	ended    time.Time
	sha256   string
	err      string
}

func newProgress(deps []*dependency, secret string) *progress {
	p := &progress{started: time.Now(), byDep: make(map[*dependency]*fileProgress, len(deps)), secret: secret}
	for _, d := range deps {
		file := &fileProgress{dep: d, state: termination.StateQueued, size: -1}
		if d.local {
			file.state = termination.StateLocal
		}
		p.files = append(p.files, file)
		p.byDep[d] = file
	}
	return p
}

// addBytes counts n bytes received for dep's current attempt.
func (p *progress) addBytes(dep *dependency, n int64) {
	p.traffic.Add(n)
	p.byDep[dep].received.Add(n)
}

// expect records the size a server declared for dep, the first time.
func (p *progress) expect(dep *dependency, size int64) {
	if size < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if file := p.byDep[dep]; file.size < 0 {
		file.size = size
	}
}

// set moves dep to state.
func (p *progress) set(dep *dependency, state string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byDep[dep].state = state
}

// attempt records that an attempt at dep starts: nothing of it received
// yet.
func (p *progress) attempt(dep *dependency) {
	file := p.byDep[dep]
	file.received.Store(0)
	p.mu.Lock()
	defer p.mu.Unlock()
	file.state = termination.StateFetching
	file.attempts++
	if file.begun.IsZero() {
		file.begun = time.Now()
	}
}

// verified records dep's verified download.
func (p *progress) verified(dep *dependency, sha256 string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	file := p.byDep[dep]
	file.state, file.sha256 = termination.StateVerified, sha256
}

// done records that dep reached its final state, placed or extracted, and
// returns how long it took since its first attempt.
func (p *progress) done(dep *dependency, state string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	file := p.byDep[dep]
	file.state, file.ended = state, time.Now()
	return file.ended.Sub(file.begun)
}

// failed records dep's failure and reports true, unless it has failed
// already.
func (p *progress) failed(dep *dependency, err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	file := p.byDep[dep]
	if file.state == termination.StateFailed {
		return false
	}
	file.state, file.ended, file.err = termination.StateFailed, time.Now(), p.scrub(err.Error())
	return true
}

// scrub removes the secret from text.
func (p *progress) scrub(text string) string {
	if p == nil || p.secret == "" {
		return text
	}
	return strings.ReplaceAll(text, p.secret, redactedSecret)
}

// redactedSecret replaces the bearer token wherever a text would show it.
const redactedSecret = "[redacted]"
