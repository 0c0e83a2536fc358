package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// queryEntityType is the type of the entity the HiveServer2 stand-in
// reports (hack/cluster/standin), as Hive's ATS hook names queries.
const queryEntityType = "HIVE_QUERY_ID"

// queryTimeout bounds the wait for HiveServer2's report: the stand-in
// retries for 90 s while the Timeline Server starts.
const queryTimeout = 2 * time.Minute

// entities asks the Timeline Server stand-in, through the API server's
// proxy to its Service, for the entities of a type, with the delegation
// token derived from the examples' ATS_SECRET_KEY, as a client of the
// Timeline Server would.
func (d *demo) entities(ctx context.Context, entityType string) ([]timeline.Entity, error) {
	var cm corev1.ConfigMap
	if err := d.c.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: "client-am-config"}, &cm); err != nil {
		return nil, fmt.Errorf("reading the ATS secret key's ConfigMap: %w", err)
	}
	b, err := d.c.Clientset.CoreV1().RESTClient().Get().Namespace(Namespace).Resource("services").
		Name(fmt.Sprintf("%s:%d", timelineService, timelinePort)).SubResource("proxy").
		Suffix("ws/v1/timeline", entityType).
		SetHeader(timeline.TokenHeader, timeline.DelegationToken(cm.Data["ats-secret-key"])).
		DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("asking the Timeline Server for %s: %w", entityType, err)
	}
	var out timeline.Entities
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("the Timeline Server's answer for %s: %w", entityType, err)
	}
	return out.Entities, nil
}

// waitQuery waits until the Timeline Server stand-in has HiveServer2's
// query.
func (d *demo) waitQuery(ctx context.Context) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, time.Second, queryTimeout, true, func(ctx context.Context) (bool, error) {
		es, err := d.entities(ctx, queryEntityType)
		if ctx.Err() == nil {
			last = err
		}
		return err == nil && len(es) > 0, nil
	})
	if err != nil {
		return fmt.Errorf("the Timeline Server stand-in had no %s entity within %v (last: %v): %w", queryEntityType, queryTimeout, last, err)
	}
	return nil
}

// showTimeline shows what the Timeline Server stand-in stored, by type,
// and its log of requests.
func (d *demo) showTimeline(ctx context.Context) error {
	for _, t := range []string{queryEntityType, timeline.EntityType} {
		es, err := d.entities(ctx, t)
		if err != nil {
			return err
		}
		switch {
		case len(es) == 0 && t == timeline.EntityType:
			d.n.line("%s: none: the agent reports its tasks for pods that also ask for stagehand.io/timeline-url;", t)
			d.n.line("no example under the agent does")
		case len(es) == 0:
			d.n.line("%s: none", t)
		}
		for _, e := range es {
			slices.SortFunc(e.Events, func(a, b timeline.Event) int { return int(a.Timestamp - b.Timestamp) })
			var events []string
			for _, ev := range e.Events {
				events = append(events, ev.Type)
			}
			var filters []string
			for k, v := range e.PrimaryFilters {
				filters = append(filters, k+"="+strings.Join(v, ","))
			}
			slices.Sort(filters)
			d.n.line("%s %s: %s; %s", t, e.ID, strings.Join(events, ", "), strings.Join(filters, " "))
		}
	}
	d.n.line("log of the Timeline Server stand-in:")
	for _, l := range d.logTail(ctx, timelineService, "timeline") {
		d.n.line("  %s", l)
	}
	d.n.done("HiveServer2 reached the Timeline Server at the URL stagehand gave it, with the token of the ATS key it injected")
	return nil
}
