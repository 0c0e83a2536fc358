package timelinetest

import (
	"net/http"
	"sort"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// merge stores e like the leveldb store: events keyed by type and
// timestamp, filters and otherinfo merged, the first start time kept.
func (s *Server) merge(e timeline.Entity) {
	key := [2]string{e.Type, e.ID}
	old := s.store[key]
	if old == nil {
		old = &timeline.Entity{ID: e.ID, Type: e.Type, StartTime: e.StartTime, Domain: e.Domain,
			PrimaryFilters: map[string][]string{}, OtherInfo: map[string]any{}}
		s.store[key] = old
		s.order = append(s.order, key)
	}
	for _, ev := range e.Events {
		dup := false
		for _, have := range old.Events {
			dup = dup || (have.Type == ev.Type && have.Timestamp == ev.Timestamp)
		}
		if !dup {
			old.Events = append(old.Events, ev)
		}
	}
	for k, vs := range e.PrimaryFilters {
		for _, v := range vs {
			if !contains(old.PrimaryFilters[k], v) {
				old.PrimaryFilters[k] = append(old.PrimaryFilters[k], v)
			}
		}
	}
	for k, v := range e.OtherInfo {
		old.OtherInfo[k] = v
	}
}

// get answers GET /ws/v1/timeline/<type>[?primaryFilter=name:value] like
// ATS: newest entities first, each with its events newest first.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	entityType := strings.Trim(strings.TrimPrefix(r.URL.Path, "/ws/v1/timeline"), "/")
	name, value, filtered := strings.Cut(r.URL.Query().Get("primaryFilter"), ":")
	out := timeline.Entities{Entities: []timeline.Entity{}}
	for _, e := range s.Entities() {
		if e.Type != entityType || (filtered && !contains(e.PrimaryFilters[name], value)) {
			continue
		}
		sort.SliceStable(e.Events, func(i, j int) bool { return e.Events[i].Timestamp > e.Events[j].Timestamp })
		out.Entities = append(out.Entities, e)
	}
	sort.SliceStable(out.Entities, func(i, j int) bool { return out.Entities[i].StartTime > out.Entities[j].StartTime })
	writeJSON(w, http.StatusOK, out)
}

func copyEntity(e *timeline.Entity) timeline.Entity {
	c := *e
	c.Events = append([]timeline.Event(nil), e.Events...)
	c.PrimaryFilters = map[string][]string{}
	for k, v := range e.PrimaryFilters {
		c.PrimaryFilters[k] = append([]string(nil), v...)
	}
	c.OtherInfo = map[string]any{}
	for k, v := range e.OtherInfo {
		c.OtherInfo[k] = v
	}
	return c
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
