package e2e

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stagehand-k8s/stagehand/internal/podrunner"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

// mr3TimelinePod is an MR3 worker whose agent and fetcher report to a
// Timeline Server, authenticating with the ATS key from a ConfigMap.
const mr3TimelinePod = `apiVersion: v1
kind: Pod
metadata:
  name: mr3worker-tl-1
  namespace: hivemr3
  annotations:
    stagehand.io/ats-configmap: client-am-config
    stagehand.io/timeline-url: {{.TimelineURL}}
    stagehand.io/jars: {{.Jar}}
    stagehand.io/agent: "true"
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  securityContext:
    runAsUser: 1000
    fsGroup: 1000
  containers:
  - name: mr3-worker
    image: mr3project/hive:4.0.0
    command: ["/opt/mr3-run/hive/run-worker.sh"]
    args: ["--ContainerWorker", "tl-1"]
`

const mr3TimelineScript = `#!/bin/sh
[ -n "$ATS_SECRET_KEY" ] || { echo "no ATS_SECRET_KEY"; exit 6; }
[ -s "$SPARK_EXTRA_CLASSPATH" ] || { echo "missing jar"; exit 3; }
echo "worker $2 done"
exit 7
`

const e2eATSKey = "e2e-not-a-real-secret"

func TestMR3WorkerReportsToTheTimelineServer(t *testing.T) {
	requirePods(t)
	ats := timelinetest.New(t, timelinetest.Options{Secret: e2eATSKey})
	deps := newDepServer(t, map[string][]byte{"udfs-1.4.jar": randomBytes(t, 64<<10)})
	pod := injectYAML(t, mr3TimelinePod, map[string]string{"Jar": deps.uri("udfs-1.4.jar"), "TimelineURL": ats.URL})
	res, err := runPod(t, pod, podrunner.Fixtures{
		Images: map[string]string{
			agentImageRef:           agentImage(t),
			"mr3project/hive:4.0.0": image(t, map[string]string{"opt/mr3-run/hive/run-worker.sh": mr3TimelineScript}, ""),
		},
		ConfigMaps: map[string]map[string]string{"client-am-config": {"ats-secret-key": e2eATSKey}},
		NodeName:   "node-e2e",
	})
	var cerr *podrunner.ContainerError
	if !errors.As(err, &cerr) || cerr.Container != "mr3-worker" || cerr.ExitCode != 7 {
		t.Fatalf("want the worker's own exit code 7, got %v", err)
	}

	for _, want := range []struct {
		id     string
		events []string
	}{
		{"hivemr3/mr3worker-tl-1/" + inject.FetchContainer + "/0", []string{timeline.EventFetchStarted, timeline.EventFetchFinished}},
		{"hivemr3/mr3worker-tl-1/mr3-worker/0", []string{timeline.EventTaskStarted, timeline.EventTaskFinished}},
	} {
		e, ok := ats.Entity(want.id)
		if !ok {
			t.Errorf("entity %s not reported; the server has %+v", want.id, ats.Entities())
			continue
		}
		var got []string
		for _, ev := range e.Events {
			got = append(got, ev.Type)
		}
		if !reflect.DeepEqual(got, want.events) {
			t.Errorf("%s: events %v, want %v", want.id, got, want.events)
		}
		if e.PrimaryFilters["node"] == nil || e.PrimaryFilters["node"][0] != "node-e2e" {
			t.Errorf("%s: primary filters %v, want the node from the downward API", want.id, e.PrimaryFilters)
		}
	}
	if e, ok := ats.Entity("hivemr3/mr3worker-tl-1/mr3-worker/0"); ok && len(e.Events) == 2 {
		if code := e.Events[1].Info["exitCode"]; code != float64(7) {
			t.Errorf("TASK_FINISHED exit code %v, want 7", code)
		}
		if img := e.OtherInfo["image"]; img != "mr3project/hive:4.0.0" {
			t.Errorf("image %v", img)
		}
	}
	if e, ok := ats.Entity("hivemr3/mr3worker-tl-1/" + inject.FetchContainer + "/0"); ok && len(e.Events) == 2 {
		if files := e.Events[1].Info["files"]; files != float64(1) {
			t.Errorf("FETCH_FINISHED files %v, want 1", files)
		}
	}

	token := timeline.DelegationToken(e2eATSKey)
	texts := []string{}
	for _, c := range append(res.InitContainers, res.Containers...) {
		texts = append(texts, c.Output, c.Message)
	}
	for _, b := range ats.Bodies() {
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		if strings.Contains(s, e2eATSKey) || strings.Contains(s, token) {
			t.Errorf("the ATS key or its token leaked: %s", s)
		}
	}
}
