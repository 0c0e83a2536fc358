package agentapi

import (
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a time.Duration encoded in JSON as a Go duration string such
// as "30s" or "5m". A JSON number is also accepted, as nanoseconds.
type Duration time.Duration

// MarshalJSON encodes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(data []byte) error {
	var text string
	if err := json.Unmarshal(data, &text); err == nil {
		parsed, err := time.ParseDuration(text)
		if err != nil {
			return fmt.Errorf("invalid duration %q: %w", text, err)
		}
		*d = Duration(parsed)
		return nil
	}
	var nanos int64
	if err := json.Unmarshal(data, &nanos); err != nil {
		return fmt.Errorf("duration must be a string like \"30s\" or integer nanoseconds: %w", err)
	}
	*d = Duration(nanos)
	return nil
}
