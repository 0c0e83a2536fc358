package explanation

import (
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The reasons of the Events the webhook records (package webhook).
const (
	eventDenied  = "StagehandDenied"
	eventWarning = "StagehandWarning"
)

// maxEvents is how many of stagehand's Events are shown, the latest.
const maxEvents = 5

// events lists the latest Events stagehand recorded on the pod or its
// controller: denials and warnings of the pods it created.
func (x *explainer) events() {
	var ours []corev1.Event
	for _, e := range x.in.Events {
		if e.Reason == eventDenied || e.Reason == eventWarning {
			ours = append(ours, e)
		}
	}
	if len(ours) == 0 {
		x.add(Info, "", "no Event of stagehand on the pod or its controller")
		return
	}
	slices.SortStableFunc(ours, func(a, b corev1.Event) int { return lastSeen(&b).Compare(lastSeen(&a)) })
	if len(ours) > maxEvents {
		x.add(Info, "", "%d Events of stagehand, the latest %d:", len(ours), maxEvents)
		ours = ours[:maxEvents]
	}
	for i := range ours {
		e := &ours[i]
		mark := Warn
		if e.Reason == eventDenied {
			mark = Fail
		}
		x.add(mark, "", "Event %s on %s %s (%s): %s", e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, x.seen(e), e.Message)
	}
}

// seen says how often and when an Event was seen.
func (x *explainer) seen(e *corev1.Event) string {
	count := e.Count
	if e.Series != nil {
		count = e.Series.Count
	}
	when := "at an unknown time"
	if last := lastSeen(e); !last.IsZero() {
		when = duration.HumanDuration(x.in.Now.Sub(last)) + " ago"
	}
	if count > 1 {
		return fmt.Sprintf("%d times, last %s", count, when)
	}
	return when
}

func lastSeen(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}
