package inject

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Denied is returned when a pod must not be admitted. It carries every
// problem found, each naming the field, the value and what is valid.
type Denied struct {
	// Reason is a short, fixed label for metrics: one of the Reason constants.
	Reason string
	// Errors lists every problem.
	Errors field.ErrorList
}

// The reasons a pod is denied.
const (
	// ReasonInvalid means an annotation value is invalid.
	ReasonInvalid = "invalid-annotation"
	// ReasonConflict means an injection clashes with the pod's own volumes or mounts.
	ReasonConflict = "conflict"
	// ReasonNoCommand means the agent cannot wrap a target container: it
	// has no command, and its image is not in the webhook's entrypoint map.
	ReasonNoCommand = "no-command"
	// ReasonTooLarge means the answer would be larger than an admission may
	// cost.
	ReasonTooLarge = "too-large"
)

var _ error = (*Denied)(nil)

// Error lists every problem, one per line after the first.
func (d *Denied) Error() string {
	msgs := make([]string, len(d.Errors))
	for i, e := range d.Errors {
		msgs[i] = e.Error()
	}
	return "stagehand cannot inject this pod: " + strings.Join(msgs, "; ")
}
