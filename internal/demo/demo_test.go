package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// TestDemo runs `make demo`'s program on the local node, as a new user
// would, so that the demo cannot rot: stagehand installed from the
// manifests, every example injected for the reason the examples give, the
// MR3 worker and the Job's pod run to their ends by the kubelet with their
// token, ATS key and jar, the Spark executor stopped before its start by
// the jar it cannot fetch (the node has no route out), and HiveServer2's
// report accepted by the Timeline Server stand-in. It leaves the cluster
// up (hack/test.sh takes it down) and removes the examples' namespace.
func TestDemo(t *testing.T) {
	kubeconfig := os.Getenv(nodeenv.KubeconfigEnv)
	switch {
	case testing.Short():
		t.Skip("-short: the demo needs the local cluster")
	case kubeconfig == "":
		t.Skip(nodeenv.KubeconfigEnv + " is unset: run the tests through `make test`, or `make build cluster-up` and export " +
			nodeenv.KubeconfigEnv + "=/tmp/stagehand-cluster/kubeconfig")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = Run(context.Background(), Options{Root: root, Kubeconfig: kubeconfig, Out: &out, Timeout: 8 * time.Minute, Cleanup: true})
	t.Logf("demo output:\n%s", out.String())
	if err != nil {
		t.Fatalf("demo failed: %v", err)
	}
	want := []string{
		"ok: the API server calls stagehand for the pods of opted-in namespaces",
		"ok: the webhook applies all 3 profiles to pods created from now on",
		"mr3worker-8a3f-1 carries no stagehand annotation; InjectionProfile mr3-workers selected it; " +
			"stagehand injected credentials, ats-key, dependencies, agent",
		`stagehand.io/status records "profile":{"name":"mr3-workers","generation":1}`,
		"spark-pi-exec-1 carries no stagehand annotation; InjectionProfile spark-executors selected it",
		"hiveserver2 asks with stagehand.io/ annotations of its own",
		// What the kubelet reports for the worker, and what its task found.
		"Pod mr3worker-8a3f-1: Succeeded",
		"classpath: /var/spark-data/spark-jars/hive-udf-demo-1.0.jar (131072 bytes, sha256 a16cdebfdc29051a2a121518b803c55f000b9667bb50899e98972392cadbbc4c)",
		"the API server authenticates it as system:serviceaccount:hivemr3-demo:worker-service-account",
		"ATS_SECRET_KEY: set, 39 bytes (value not shown)",
		`termination message of mr3-worker: {"component":"stagehand-agent","exitCode":0,"reason":"Completed"`,
		// The Job's pod, created by the Job controller and injected.
		"schema initialization done",
		// The executor: its jar is on Maven Central, out of the node's reach.
		"Pod spark-pi-exec-1: Failed",
		"exited 11 (Error)",
		"stagehand-init failed: the kubelet never starts the pod's containers",
		"HIVE_QUERY_ID hive_hiveserver2_demo_query_1: QUERY_SUBMITTED, QUERY_COMPLETED",
		"ok: all done",
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("demo output lacks %q", w)
		}
	}
	if strings.Contains(out.String(), "demo-not-a-real-ats-secret-key") {
		t.Error("the demo printed the ATS secret key's value")
	}
}
