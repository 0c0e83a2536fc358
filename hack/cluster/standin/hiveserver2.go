package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// Bounds of HiveServer2's report: the Timeline Server may start after it.
const (
	reportAttempts = 90
	reportInterval = time.Second
	// reportEvery is how often a failed attempt is logged.
	reportEvery = 10
)

// QueryEntityType is the type of the entity HiveServer2 reports, as Hive's
// ATS hook names its queries.
const QueryEntityType = "HIVE_QUERY_ID"

// hiveServer2 reports one query to the Timeline Server, then serves until
// SIGTERM.
func hiveServer2(ctx context.Context) error {
	say("HiveServer2 (stand-in): %s", strings.Join(os.Args[1:], " "))
	showATSKey()
	if entries, err := os.ReadDir("/opt/mr3-run/ats/key"); err == nil {
		var names []string
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		say("ATS keytabs in /opt/mr3-run/ats/key: %s", strings.Join(names, ", "))
	}
	url := os.Getenv(agentapi.EnvTimelineURL)
	if url == "" {
		return fmt.Errorf("%s is not set: no Timeline Server to report to", agentapi.EnvTimelineURL)
	}
	if err := report(ctx, url); err != nil {
		return err
	}
	say("serving until SIGTERM")
	<-ctx.Done()
	say("SIGTERM: stopping")
	return nil
}

// report posts one query entity, retrying until the server accepts it.
func report(ctx context.Context, url string) error {
	c, err := timeline.NewClient(url, timeline.Auth{Secret: os.Getenv("ATS_SECRET_KEY")}, &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	query := timeline.Entity{
		ID: "hive_" + os.Getenv("HOSTNAME") + "_demo_query_1", Type: QueryEntityType, StartTime: now,
		Events:         []timeline.Event{{Timestamp: now, Type: "QUERY_SUBMITTED"}, {Timestamp: now + 1, Type: "QUERY_COMPLETED"}},
		PrimaryFilters: map[string][]string{"user": {"hive"}, "executionmode": {"MR3"}},
		OtherInfo:      map[string]any{"QUERY": "SELECT count(*) FROM demo (stand-in)"},
	}
	var last error
	for attempt := 1; attempt <= reportAttempts; attempt++ {
		resp, err := c.Put(ctx, []timeline.Entity{query})
		switch {
		case err == nil && len(resp.Errors) == 0:
			say("Timeline Server %s accepted %s %s (delegation token from ATS_SECRET_KEY)", c.Endpoint(), QueryEntityType, query.ID)
			return nil
		case err == nil:
			err = fmt.Errorf("entity rejected with code %d", resp.Errors[0].Code)
		}
		if attempt%reportEvery == 1 {
			say("Timeline Server %s: %v (attempt %d of %d, one every %v)", c.Endpoint(), err, attempt, reportAttempts, reportInterval)
		}
		last = err
		select {
		case <-time.After(reportInterval):
		case <-ctx.Done():
			return fmt.Errorf("reporting to the Timeline Server: %w", context.Cause(ctx))
		}
	}
	return fmt.Errorf("the Timeline Server did not accept the report in %d attempts: %w", reportAttempts, last)
}
