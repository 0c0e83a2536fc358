package e2e

// mr3WorkerPod is an MR3 ContainerWorker as a DAGAppMaster creates it, asking
// for credentials, the ATS key, dependencies and the agent.
const mr3WorkerPod = `apiVersion: v1
kind: Pod
metadata:
  name: mr3worker-e2e-1
  namespace: hivemr3
  annotations:
    stagehand.io/service-account-token: "true"
    stagehand.io/ats-configmap: client-am-config
    stagehand.io/jars: {{.Jar}},local:///opt/mr3-run/lib/tez-aux.jar
    stagehand.io/files: {{.File}}
    stagehand.io/archives: {{.Archive}}
    stagehand.io/agent: "true"
    stagehand.io/task-timeout: 2m
spec:
  automountServiceAccountToken: false
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  securityContext:
    runAsUser: 1000
    fsGroup: 1000
  initContainers:
  - name: init-work-dir
    image: busybox:1.36
    command: ["sh", "-c", "echo preparing work dir"]
  containers:
  - name: mr3-worker
    image: mr3project/hive:4.0.0
    command: ["/opt/mr3-run/hive/run-worker.sh"]
    args: ["--ContainerWorker", "e2e-1"]
`

// mr3WorkerScript checks that everything the worker needs is in place, then
// exits with a code of its own, which must surface through the agent.
const mr3WorkerScript = `#!/bin/sh
echo "classpath=$SPARK_EXTRA_CLASSPATH"
old_ifs=$IFS; IFS=:
for jar in $SPARK_EXTRA_CLASSPATH; do
  [ -s "$jar" ] || { echo "missing jar $jar"; exit 3; }
done
IFS=$old_ifs
[ -s /var/run/secrets/kubernetes.io/serviceaccount/token ] || { echo "no token"; exit 4; }
[ "$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)" = hivemr3 ] || { echo "wrong namespace file"; exit 4; }
[ -f /var/spark-data/spark-files/hive-site.xml ] || { echo "no hive-site.xml"; exit 5; }
[ -f /var/spark-data/spark-files/venv/bin/activate ] || { echo "archive not unpacked"; exit 5; }
[ -n "$ATS_SECRET_KEY" ] || { echo "no ATS_SECRET_KEY"; exit 6; }
[ "$(id -u)" = 1000 ] || { echo "running as $(id -u)"; exit 8; }
echo "worker $1 $2 done"
exit 7
`

// sparkExecutorPod has no command: the agent wraps its image's entrypoint.
const sparkExecutorPod = `apiVersion: v1
kind: Pod
metadata:
  name: spark-exec-e2e-1
  namespace: spark
  annotations:
    stagehand.io/jars: {{.Jar}}
    stagehand.io/agent: "true"
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  containers:
  - name: spark-kubernetes-executor
    image: apache/spark:3.5.3
    args: ["executor"]
`

// sparkEntrypoint stands in for Spark's /opt/entrypoint.sh.
const sparkEntrypoint = `#!/bin/sh
for jar in $(echo "$SPARK_EXTRA_CLASSPATH" | tr ':' ' '); do
  [ -s "$jar" ] && echo "$1 sees $jar"
done
`
