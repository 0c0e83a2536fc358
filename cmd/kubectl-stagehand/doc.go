// Command kubectl-stagehand is stagehand's kubectl plugin: installed on the
// PATH under this name, it runs as `kubectl stagehand`.
//
// Subcommands:
//
//	kubectl stagehand check                    is stagehand installed and working; pass/fail per item, with a hint
//	kubectl stagehand explain pod NAME [-n NS] why this pod was, or would be, injected or not, step by step
//	kubectl stagehand explain -f FILE          the same for the pods of a manifest, before they are created
//	kubectl stagehand inject -f FILE|-         offline injection with the cluster's live settings
//	kubectl stagehand version                  print the version
//
// Every subcommand takes kubectl's usual flags for reaching a cluster
// (--kubeconfig, --context, --namespace/-n, --server, --token, ...), and
// --stagehand-namespace, where stagehand is installed (stagehand-system).
// check exits 1 when any item fails; explain and inject exit 1 on errors.
package main
