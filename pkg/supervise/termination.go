package supervise

import (
	"math"

	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// MaxTerminationMessage is the kubelet's limit on a termination message;
// messages written by the agent are always shorter.
const MaxTerminationMessage = termination.MaxBytes

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
	return termination.Fit(m.Message, MaxTerminationMessage, func(text string) ([]byte, error) {
		m.Message = text
		return termination.Marshal(m)
	})
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
	return termination.Write(path, create, data)
}
