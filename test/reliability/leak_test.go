package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// leakPod is a pod carrying secret values, each marked with the pod's name
// so that a leak names the pod it came from.
type leakPod struct {
	name        string
	annotations map[string]string
	env         map[string]string // env of the pod's container
	allowed     bool
	// echoed: the user's dependency URI is passed to stagehand's init
	// container as written, in its fetch flag (--jar=URI); nowhere else.
	echoed bool
	// strictOnly pods run only against the strict server.
	strictOnly bool
}

// markers are the secret values of one pod.
func markers(pod, nonce string) (literal, password, token string) {
	return "s3cr3t-ats-value-" + pod + "-" + nonce, "p4ssw0rd-" + pod + "-" + nonce, "t0ken-" + pod + "-" + nonce
}

func leakPods(nonce string) []leakPod {
	uri := func(pod, host string) string {
		_, pw, tok := markers(pod, nonce)
		return "https://user:" + pw + "@" + host + "/deps/app.jar?token=" + tok
	}
	literal, _, _ := markers("literal", nonce)
	return []leakPod{
		{name: "ats-secret", allowed: true, annotations: map[string]string{"stagehand.io/ats-secret": "ats", "stagehand.io/ats-secret-key": "secret"}},
		{name: "ats-configmap", allowed: true, annotations: map[string]string{"stagehand.io/ats-configmap": "client-am-config"}},
		{name: "literal", allowed: true, annotations: map[string]string{"stagehand.io/ats-secret": "ats"},
			env: map[string]string{"ATS_SECRET_KEY": literal}},
		{name: "deps", allowed: true, echoed: true, annotations: map[string]string{
			"stagehand.io/jars": uri("deps", "artifacts.example.com"), "stagehand.io/dependencies-auth-secret": "artifacts-token",
			"stagehand.io/agent": "true"}},
		{name: "denied-host", annotations: map[string]string{"stagehand.io/jars": uri("denied-host", "artifacts.evil.test")}},
		{name: "timeline-url", annotations: map[string]string{"stagehand.io/timeline-url": uri("timeline-url", "timeline.example.com:8188")}},
		{name: "unknown-key", strictOnly: true, annotations: map[string]string{"stagehand.io/jar": uri("unknown-key", "artifacts.example.com")}},
	}
}

// TestNoSecretLeaks sends pods carrying secret values to servers logging at
// trace level, strict and not: no value may appear in the logs, the metric
// labels, the response messages and warnings, or the patch, except the
// dependency URI the user wrote, which the fetch container gets as is.
func TestNoSecretLeaks(t *testing.T) {
	needBinary(t)
	ca := newCA(t)
	nonceBytes := make([]byte, 4)
	_, _ = rand.Read(nonceBytes)
	nonce := hex.EncodeToString(nonceBytes)
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			dir, _ := ca.certDir(t)
			srv := startServer(t, options{certDir: dir, logLevel: config.LogTrace, args: []string{fmt.Sprintf("--strict=%v", strict)}})
			client := newClient(ca.pool, 1)
			var sent []string
			for _, p := range leakPods(nonce) {
				if p.strictOnly && !strict {
					continue
				}
				sent = append(sent, p.name)
				resp, err := post(client, srv.url(), p.review(t))
				if err != nil {
					t.Fatal(err)
				}
				if resp.Allowed != p.allowed {
					t.Errorf("pod %s: allowed=%v, want %v: %s", p.name, resp.Allowed, p.allowed, resultMessage(resp))
				}
				checkResponse(t, p, resp, nonce)
			}
			metrics, err := getBody(context.Background(), "http://"+srv.metricsAddr+webhook.MetricsPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.stop(0); err != nil {
				t.Errorf("%v\noutput:\n%s", err, srv.out)
			}
			logs := srv.out.String()
			for _, want := range []string{`"msg":"admitted pod"`, `"msg":"denied pod"`} {
				if !strings.Contains(logs, want) {
					t.Errorf("the trace-level logs lack %s: the test sees nothing", want)
				}
			}
			for _, name := range sent {
				literal, password, token := markers(name, nonce)
				for _, m := range []string{literal, password, token} {
					if strings.Contains(logs, m) {
						t.Errorf("pod %s: secret value %q in the server's logs:\n%s", name, m, linesWith(logs, m))
					}
					if strings.Contains(string(metrics), m) {
						t.Errorf("pod %s: secret value %q in /metrics:\n%s", name, m, linesWith(string(metrics), m))
					}
				}
			}
		})
	}
}

// review is the AdmissionReview of the pod.
func (p leakPod) review(t *testing.T) []byte {
	t.Helper()
	env := []any{}
	for _, k := range slices.Sorted(maps.Keys(p.env)) {
		env = append(env, map[string]any{"name": k, "value": p.env[k]})
	}
	pod := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": p.name, "namespace": "leaks", "annotations": p.annotations},
		"spec": map[string]any{"containers": []any{map[string]any{
			"name": "task", "image": "mr3project/hive:4.0.0", "command": []any{"/opt/run.sh"}, "env": env,
		}}},
	}
	c, err := newCase("leak-"+p.name, pod, "leaks")
	if err != nil {
		t.Fatal(err)
	}
	return c.request("uid-" + p.name)
}

// checkResponse fails on a marker anywhere in the response but the init
// container's fetch flags, and checks that they echo the URI when they
// should.
func checkResponse(t *testing.T, p leakPod, resp *admissionv1.AdmissionResponse, nonce string) {
	t.Helper()
	literal, password, token := markers(p.name, nonce)
	texts := append([]string{resultMessage(resp)}, resp.Warnings...)
	for _, text := range texts {
		for _, m := range []string{literal, password, token} {
			if strings.Contains(text, m) {
				t.Errorf("pod %s: secret value %q in the response: %s", p.name, m, text)
			}
		}
	}
	var ops []any
	if len(resp.Patch) > 0 {
		if err := json.Unmarshal(resp.Patch, &ops); err != nil {
			t.Fatalf("pod %s: undecodable patch: %v", p.name, err)
		}
	}
	echoes := 0
	walkStrings(ops, "", func(path, s string, fetchJob bool) {
		for _, m := range []string{literal, password, token} {
			switch {
			case !strings.Contains(s, m):
			case fetchJob && p.echoed:
				echoes++
			default:
				t.Errorf("pod %s: secret value %q in the patch at %s: %s", p.name, m, path, s)
			}
		}
	})
	if p.echoed && echoes == 0 {
		t.Errorf("pod %s: the init container's fetch flags do not carry the dependency URI as written; patch:\n%s", p.name, resp.Patch)
	}
}

// walkStrings calls f with every string in v, its path, and whether it is
// a dependency flag of stagehand's init container (--jar=, --file=,
// --archive=).
func walkStrings(v any, path string, f func(path, s string, fetchJob bool)) {
	switch v := v.(type) {
	case string:
		f(path, v, false)
	case []any:
		for i, e := range v {
			walkStrings(e, fmt.Sprintf("%s/%d", path, i), f)
		}
	case map[string]any:
		for k, e := range v {
			command, ok := e.([]any)
			if v["name"] != agentapi.InitContainer || k != "command" || !ok {
				walkStrings(e, path+"/"+k, f)
				continue
			}
			for i, arg := range command {
				s, _ := arg.(string)
				dep := strings.HasPrefix(s, "--jar=") || strings.HasPrefix(s, "--file=") || strings.HasPrefix(s, "--archive=")
				f(fmt.Sprintf("%s/%s/%d", path, k, i), s, dep)
			}
		}
	}
}

func resultMessage(resp *admissionv1.AdmissionResponse) string {
	if resp.Result == nil {
		return ""
	}
	return resp.Result.Message
}

// linesWith returns the lines of text that contain s.
func linesWith(text, s string) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			lines = append(lines, "  "+l)
		}
	}
	return strings.Join(lines, "\n")
}
