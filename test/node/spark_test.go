package node

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// TestSparkExecutorThroughItsImageEntrypoint: a Spark executor as Spark
// creates it, with no command (the image's entrypoint runs) and asking for
// a jar and the agent, is wrapped by the agent through the entrypoint the
// shipped map names for apache/spark:* (/opt/entrypoint.sh, where the
// stand-in image has hack/cluster/standin): the stored container runs
// the agent with /opt/entrypoint.sh and the pod's args, the entrypoint
// ran with the jar, checksummed, on SPARK_EXTRA_CLASSPATH, and the agent
// reports the task Completed.
func TestSparkExecutorThroughItsImageEntrypoint(t *testing.T) {
	importStandIns(t)
	url := artifactServer(t)
	ns := namespace(t, optedIn)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-exec-1", Namespace: ns, Annotations: map[string]string{
			"stagehand.io/jars":  url + jarPath + "#sha256=" + jarSHA256,
			"stagehand.io/agent": "true",
		}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "spark-kubernetes-executor", Image: sparkImage, Args: []string{"executor"},
				Env: []corev1.EnvVar{{Name: "SPARK_EXECUTOR_ID", Value: "1"}},
			}},
		},
	}
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Succeeded", succeeded)
	injected(t, got)
	ctr := got.Spec.Containers[0]
	argv := slices.Concat(ctr.Command, ctr.Args)
	if len(ctr.Command) == 0 || !slices.Contains(argv, sparkEntrypoint) || argv[len(argv)-1] != "executor" {
		t.Errorf("the executor was not wrapped through %s: command %q, args %q", sparkEntrypoint, ctr.Command, ctr.Args)
	}
	out := containerLog(t, got, "spark-kubernetes-executor")
	for _, want := range []string{"stand-in for " + sparkEntrypoint + " executor", jarsDir + "/" + jarName, jarSHA256, "executor tasks done"} {
		if !strings.Contains(out, want) {
			t.Errorf("the executor's output lacks %q:\n%s", want, out)
		}
	}
	if m := agentMessage(t, got, "spark-kubernetes-executor"); m.Reason != supervise.ReasonCompleted || m.ExitCode != 0 {
		t.Errorf("the agent reports %+v, want a completed task", m)
	}
}
