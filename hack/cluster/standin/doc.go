// Command standin stands in for the programs of the images the examples of
// manifests/examples run, which cannot be pulled on the local node (no
// network): `make demo` packages it under the examples' references,
// mr3project/hive:4.0.0.mr3.2.1 and apache/spark:3.5.3, so that the
// examples run unchanged. What it does depends on the name it is run as:
//
//   - run-worker.sh (Hive on MR3's ContainerWorker): shows what the worker
//     finds in place (the jars on SPARK_EXTRA_CLASSPATH with their sha256,
//     the ServiceAccount token, which it has the API server review,
//     ATS_SECRET_KEY, never its value, and the work directory) and runs a
//     one-second task;
//   - hiveserver2-service.sh: posts one HIVE_QUERY_ID entity, as HiveServer2
//     reports its queries, to STAGEHAND_TIMELINE_URL with the delegation
//     token derived from ATS_SECRET_KEY, retrying until the Timeline Server
//     accepts it (bounded), then serves until SIGTERM;
//   - metastore-service.sh: the Metastore's schema initialization, a
//     one-second task;
//   - entrypoint.sh (Spark's image entrypoint): an executor that lists its
//     jars and runs a one-second task.
//
// Every line it prints says it is a stand-in.
package main
