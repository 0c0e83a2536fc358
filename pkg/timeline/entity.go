package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/version"
)

// EntityType is the type of the entities the agent reports.
const EntityType = "STAGEHAND_TASK"

// DefaultDomain is the domain of every entity.
const DefaultDomain = "DEFAULT"

// Event types reported by the agent.
const (
	EventFetchStarted  = "FETCH_STARTED"
	EventFetchProgress = "FETCH_PROGRESS"
	EventFetchFinished = "FETCH_FINISHED"
	EventTaskStarted   = "TASK_STARTED"
	EventTaskProgress  = "TASK_PROGRESS"
	EventTaskKilled    = "TASK_KILLED"
	EventTaskFinished  = "TASK_FINISHED"
)

// DroppedInfoKey is the eventinfo key counting progress events dropped
// from a full spool before this event.
const DroppedInfoKey = "droppedProgressEvents"

// Entities is the body of a POST to /ws/v1/timeline/ and of a GET answer.
type Entities struct {
	Entities []Entity `json:"entities"`
}

// Entity is an ATS v1 TimelineEntity.
type Entity struct {
	ID              string              `json:"entity"`
	Type            string              `json:"entitytype"`
	StartTime       int64               `json:"starttime,omitempty"`
	Domain          string              `json:"domain,omitempty"`
	Events          []Event             `json:"events,omitempty"`
	PrimaryFilters  map[string][]string `json:"primaryfilters,omitempty"`
	OtherInfo       map[string]any      `json:"otherinfo,omitempty"`
	RelatedEntities map[string][]string `json:"relatedentities,omitempty"`
}

// Event is an ATS v1 TimelineEvent.
type Event struct {
	Timestamp int64          `json:"timestamp"`
	Type      string         `json:"eventtype"`
	Info      map[string]any `json:"eventinfo,omitempty"`
}

// PutResponse is the answer to a POST: one error per rejected entity.
type PutResponse struct {
	Errors []PutError `json:"errors"`
}

// PutError is a TimelinePutError.
type PutError struct {
	EntityID   string    `json:"entity"`
	EntityType string    `json:"entitytype"`
	Code       ErrorCode `json:"errorcode"`
}

// ErrorCode is a TimelinePutError error code.
type ErrorCode int

// The codes of Hadoop 2.7's TimelinePutResponse.TimelinePutError.
const (
	CodeNoStartTime          ErrorCode = 1
	CodeIOException          ErrorCode = 2
	CodeSystemFilterConflict ErrorCode = 3
	CodeAccessDenied         ErrorCode = 4
	CodeNoDomain             ErrorCode = 5
	CodeForbiddenRelation    ErrorCode = 6
)

func (c ErrorCode) String() string {
	switch c {
	case CodeNoStartTime:
		return "no start time"
	case CodeIOException:
		return "IO error"
	case CodeSystemFilterConflict:
		return "reserved primary filter conflict"
	case CodeAccessDenied:
		return "access denied"
	case CodeNoDomain:
		return "no such domain"
	case CodeForbiddenRelation:
		return "forbidden relation"
	}
	return fmt.Sprintf("error code %d", int(c))
}

// Retryable reports whether the same entity may succeed later. Only an IO
// error on the server's store is transient. NO_DOMAIN is not: the agent
// always writes to the DEFAULT domain, which the server creates itself, so
// that error means a server that will not accept these entities.
func (c ErrorCode) Retryable() bool { return c == CodeIOException }

// EntityError is one entity the Timeline Server rejected.
type EntityError struct {
	EntityType string
	EntityID   string
	Code       ErrorCode
}

func (e *EntityError) Error() string {
	return fmt.Sprintf("timeline server rejected entity %s %q: %s (code %d)", e.EntityType, e.EntityID, e.Code, int(e.Code))
}

// EntityErrors converts the response's errors.
func (r *PutResponse) EntityErrors() []*EntityError {
	var out []*EntityError
	for _, e := range r.Errors {
		out = append(out, &EntityError{EntityType: e.EntityType, EntityID: e.EntityID, Code: e.Code})
	}
	return out
}

func baseEntity(id Identity, run string, started time.Time, command []string) Entity {
	filters := map[string][]string{}
	for k, v := range map[string]string{"namespace": id.Namespace, "pod": id.Pod,
		"container": id.Container, "node": id.Node, "user": id.User} {
		if v != "" {
			filters[k] = []string{v}
		}
	}
	other := map[string]any{"version": version.Version}
	if id.Image != "" {
		other["image"] = id.Image
	}
	if len(command) > 0 {
		other["command"] = command
	}
	return Entity{
		ID:             strings.Join([]string{orDefault(id.Namespace, "-"), orDefault(id.Pod, "-"), id.Container, run}, "/"),
		Type:           EntityType,
		StartTime:      started.UnixMilli(),
		Domain:         DefaultDomain,
		PrimaryFilters: filters,
		OtherInfo:      other,
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
