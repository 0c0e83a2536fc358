package supervise

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"unicode/utf8"
)

// MaxTerminationMessage is the kubelet's limit on a termination message;
// messages written by the agent are always shorter.
const MaxTerminationMessage = 4096

// Component names the agent in termination messages.
const Component = "stagehand-agent"

// TerminationMessage is the JSON document written to the termination log.
type TerminationMessage struct {
	Component       string  `json:"component"`
	ExitCode        int     `json:"exitCode"`
	Signal          string  `json:"signal,omitempty"`
	Reason          Reason  `json:"reason"`
	Message         string  `json:"message,omitempty"`
	DurationSeconds float64 `json:"durationSeconds"`
}

// NewTerminationMessage builds the termination message for r.
func NewTerminationMessage(r Result) TerminationMessage {
	return TerminationMessage{
		Component:       Component,
		ExitCode:        r.ExitCode,
		Signal:          r.SignalName(),
		Reason:          r.Reason,
		Message:         r.Message,
		DurationSeconds: math.Round(r.Duration.Seconds()*1000) / 1000,
	}
}

// Encode returns the message as JSON, shortening Message as needed so the
// result is shorter than MaxTerminationMessage bytes.
func (m TerminationMessage) Encode() ([]byte, error) {
	const limit = MaxTerminationMessage - 1
	const ellipsis = "..."
	data, err := m.marshal()
	if err != nil || len(data) <= limit {
		return data, err
	}
	// Escaping makes the encoded length of a prefix hard to predict, so
	// search for the longest prefix of Message that fits.
	full := m.Message
	var best []byte
	lo, hi := 0, len(full)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		m.Message = truncateUTF8(full, mid) + ellipsis
		data, err := m.marshal()
		if err != nil {
			return nil, err
		}
		if len(data) <= limit {
			best, lo = data, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best == nil {
		return nil, fmt.Errorf("termination message too long even without a message")
	}
	return best, nil
}

func (m TerminationMessage) marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode termination message: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// WriteTerminationMessage writes the termination message for r to path.
// Unless create is set, a path that does not exist is skipped silently:
// the kubelet always provides the file, and outside Kubernetes the agent
// must not litter /dev.
func WriteTerminationMessage(path string, create bool, r Result) error {
	if path == "" {
		return nil
	}
	data, err := NewTerminationMessage(r).Encode()
	if err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_TRUNC
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		if !create && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("open termination log: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write termination log: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close termination log: %w", err)
	}
	return nil
}
