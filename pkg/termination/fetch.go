package termination

import (
	"encoding/json"
	"sort"
)

// FetchComponent is the component of `agent fetch`'s documents.
const FetchComponent = "stagehand-fetch"

// The states of a dependency, in the order a fetch goes through them. The
// progress log lines of `agent fetch` count them; a Fetch document holds
// the final ones: Placed, Extracted, Local, Failed or Skipped.
const (
	// StateQueued: waiting for a download slot.
	StateQueued = "queued"
	// StateFetching: an attempt is downloading it.
	StateFetching = "fetching"
	// StateRetrying: an attempt failed; the next one waits for its backoff.
	StateRetrying = "retrying"
	// StateVerified: downloaded, its size and sha256 checked (against the
	// URI's #sha256= when it has one); not yet at its final name.
	StateVerified = "verified"
	// StateExtracting: a verified archive is being unpacked.
	StateExtracting = "extracting"
	// StatePlaced: a verified jar or file is durable at its final name.
	StatePlaced = "placed"
	// StateExtracted: an archive is unpacked into its final directory.
	StateExtracted = "extracted"
	// StateLocal: a local:// dependency, in the image already, not fetched.
	StateLocal = "local"
	// StateFailed: the dependency failed; Error says why.
	StateFailed = "failed"
	// StateSkipped: never started, because the run stopped first (a local
	// I/O error, the overall timeout, a signal).
	StateSkipped = "skipped"
)

// Fetch is the termination message of `agent fetch`.
type Fetch struct {
	// Component is FetchComponent.
	Component string `json:"component"`
	// ExitCode is the process's exit code (see package fetch).
	ExitCode int `json:"exitCode"`
	// Reason names the exit code: Completed, BadInput, NetworkError,
	// IntegrityError, SizeLimit or LocalIOError.
	Reason string `json:"reason"`
	// Message is a one-line outcome; on a failure no dependency explains
	// (a bad job, a lock that timed out) it is the error.
	Message string `json:"message,omitempty"`
	// DurationSeconds is how long the run took, in seconds (ms precision).
	DurationSeconds float64 `json:"durationSeconds"`
	// Dependencies counts the job's dependencies, Failed the failed ones.
	Dependencies int `json:"dependencies"`
	Failed       int `json:"failed,omitempty"`
	// Bytes is the sum of the dependencies' Bytes.
	Bytes int64 `json:"bytes"`
	// Items lists the dependencies, the failed ones first, then in job
	// order (jars, files, archives).
	Items []Dependency `json:"items,omitempty"`
	// Truncated is set when Encode shortened a text or left out items;
	// Omitted counts the items left out (from the end of Items).
	Truncated bool `json:"truncated,omitempty"`
	Omitted   int  `json:"omitted,omitempty"`
}

// Dependency is one dependency of a Fetch.
type Dependency struct {
	// Name is the base name of the URI's path, unique in a job.
	Name string `json:"name"`
	// Kind is jar, file or archive.
	Kind string `json:"kind"`
	// State is one of the final states above.
	State string `json:"state"`
	// Bytes is how many bytes its last attempt downloaded.
	Bytes int64 `json:"bytes,omitempty"`
	// SHA256 is the first SHA256PrefixLength hex digits of the sha256 of
	// what was downloaded; Pinned says the URI's #sha256= was checked.
	SHA256 string `json:"sha256,omitempty"`
	Pinned bool   `json:"pinned,omitempty"`
	// Attempts counts download attempts when there was more than one.
	Attempts int `json:"attempts,omitempty"`
	// Seconds is from its first attempt to its final state.
	Seconds float64 `json:"seconds,omitempty"`
	// Error says why it failed, the URI redacted.
	Error string `json:"error,omitempty"`
}

// SHA256PrefixLength is how many hex digits of a sha256 a Dependency keeps:
// enough to compare with a known value by eye, short enough to list many.
const SHA256PrefixLength = 12

// Bounds of the texts of an Encode that does not fit: each error, each
// name and the message are cut to these many bytes before items are left
// out.
const (
	maxErrorBytes   = 240
	maxNameBytes    = 100
	maxMessageBytes = 480
)

// FailuresFirst orders items: the failed ones first, each group keeping
// its order.
func FailuresFirst(items []Dependency) {
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].State == StateFailed && items[j].State != StateFailed
	})
}

// Encode returns the document as JSON shorter than limit bytes (MaxBytes
// for a termination message), with the document it encoded. When the whole
// does not fit, it cuts every error, name and the message (ending each
// cut text with Ellipsis), then leaves out as few items from the end as
// needed, and marks the document Truncated with the number Omitted. Put
// the failed items first (FailuresFirst) so that they are the last to go.
func (m Fetch) Encode(limit int) ([]byte, Fetch, error) {
	data, err := Marshal(m)
	if err != nil || len(data) < limit {
		return data, m, err
	}
	m.Truncated = true
	items := make([]Dependency, len(m.Items))
	copy(items, m.Items)
	for i := range items {
		items[i].Error, _ = shorten(items[i].Error, maxErrorBytes)
		items[i].Name, _ = shorten(items[i].Name, maxNameBytes)
	}
	m.Message, _ = shorten(m.Message, maxMessageBytes)
	// The longest prefix of items that fits: fitting is monotonic in the
	// number kept.
	keep := func(n int) Fetch {
		out := m
		out.Items, out.Omitted = items[:n], len(items)-n
		if n == 0 {
			out.Items = nil
		}
		return out
	}
	best, lo, hi := -1, 0, len(items)
	var bestData []byte
	for lo <= hi {
		mid := (lo + hi) / 2
		data, err := Marshal(keep(mid))
		if err != nil {
			return nil, m, err
		}
		if len(data) < limit {
			best, bestData, lo = mid, data, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best >= 0 {
		return bestData, keep(best), nil
	}
	// Not even the bare document fits: only a tiny limit gets here.
	out := keep(0)
	data, err = Fit(out.Message, limit, func(text string) ([]byte, error) {
		out.Message = text
		return Marshal(out)
	})
	if err != nil {
		return nil, m, err
	}
	err = json.Unmarshal(data, &out) // the message Fit chose
	return data, out, err
}
