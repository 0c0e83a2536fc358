package admissiontest

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// ManyContainers is the JSON of a hostile pod: n containers, with the
// fields the API server defaults, asking for every injection; targets, when
// not empty, is its stagehand.io/containers, and command, when given, every
// container's command.
func ManyContainers(n int, targets string, command ...string) ([]byte, error) {
	if command == nil {
		command = []string{"/run.sh"}
	}
	containers := make([]map[string]any, n)
	for i := range containers {
		containers[i] = map[string]any{
			"name": "c" + strconv.Itoa(i), "image": "busybox", "command": command, "resources": map[string]any{},
			"terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "Always",
		}
	}
	anns := map[string]string{
		inject.Agent: "true", inject.TimelineURL: "http://ats.example.com:8188", inject.ServiceAccountToken: "true",
		inject.ATSSecret: "ats", inject.Jars: "https://repo.example.com/udf.jar#sha256=" + strings.Repeat("0", 64),
	}
	if targets != "" {
		anns[annotations.Containers] = targets
	}
	return json.Marshal(map[string]any{"metadata": map[string]any{"name": "many", "annotations": anns}, "spec": map[string]any{"containers": containers}})
}
