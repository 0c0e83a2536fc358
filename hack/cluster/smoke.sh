#!/usr/bin/env bash
# Checks a running local cluster end to end, the way later tests rely on it:
# the node is Ready; a new namespace gets its default ServiceAccount and
# kube-root-ca.crt; a pod with a busybox init container and a busybox main
# container runs to Succeeded under the restricted Pod Security level; a
# Service reaches a pod through kube-proxy from inside the node's namespace.
# Prints the times it measured. Leaves nothing behind (its namespace goes).
#
#   hack/cluster/smoke.sh     (after make cluster-up)
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=host.sh
source "$root/hack/cluster/host.sh"

now_ms() { date +%s%3N; }
ns_name=smoke-$$
cleanup() { kubectl delete namespace "$ns_name" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

kubectl get nodes -o wide
kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=10s >/dev/null

t0=$(now_ms)
kubectl create namespace "$ns_name" >/dev/null
kubectl label namespace "$ns_name" pod-security.kubernetes.io/enforce=restricted >/dev/null
wait_for "ServiceAccount $ns_name/default" 30 "$dir/kube-controller-manager/kube-controller-manager.log" \
  kubectl get serviceaccount default -n "$ns_name"
wait_for "ConfigMap $ns_name/kube-root-ca.crt" 30 "$dir/kube-controller-manager/kube-controller-manager.log" \
  kubectl get configmap kube-root-ca.crt -n "$ns_name"
log "namespace $ns_name: ServiceAccount default and kube-root-ca.crt after $(($(now_ms) - t0)) ms"

# A pod the restricted level admits: an init container writes a file that the
# main container reads, through an emptyDir; the projected token is mounted.
restricted='{"runAsNonRoot": true, "runAsUser": 65534, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}'
t0=$(now_ms)
kubectl apply -n "$ns_name" -f - >/dev/null <<JSON
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "init-and-main"},
 "spec": {"restartPolicy": "Never", "volumes": [{"name": "work", "emptyDir": {"sizeLimit": "1Mi"}}],
  "initContainers": [{"name": "init", "image": "$BUSYBOX_IMAGE", "securityContext": $restricted,
    "command": ["sh", "-c", "echo written-by-init > /work/msg"], "volumeMounts": [{"name": "work", "mountPath": "/work"}]}],
  "containers": [{"name": "main", "image": "$BUSYBOX_IMAGE", "securityContext": $restricted,
    "command": ["sh", "-c", "cat /work/msg && test -s /var/run/secrets/kubernetes.io/serviceaccount/token && echo token-mounted"],
    "volumeMounts": [{"name": "work", "mountPath": "/work"}]}]}}
JSON
if ! kubectl wait -n "$ns_name" --for=jsonpath='{.status.phase}'=Succeeded pod/init-and-main --timeout=60s >/dev/null; then
  kubectl describe pod -n "$ns_name" init-and-main >&2
  die "pod $ns_name/init-and-main did not succeed within 60 s; the kubelet's log: $dir/kubelet/kubelet.log"
fi
log "pod init-and-main Succeeded $(($(now_ms) - t0)) ms after it was created; its log:"
kubectl logs -n "$ns_name" init-and-main -c main | sed 's/^/    /' >&2

# A Service in front of a busybox httpd, reached from the node's namespace
# through the cluster IP that only kube-proxy's rules resolve.
kubectl apply -n "$ns_name" -f - >/dev/null <<JSON
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
  "spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "httpd", "image": "$BUSYBOX_IMAGE", "securityContext": $restricted,
    "command": ["sh", "-c", "mkdir -p /tmp/www && echo hello-through-kube-proxy > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"],
    "ports": [{"containerPort": 8080}]}]}},
 {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
  "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}}]}
JSON
kubectl wait -n "$ns_name" --for=condition=Ready pod/web --timeout=60s >/dev/null
ip=$(kubectl get service -n "$ns_name" web -o jsonpath='{.spec.clusterIP}')
wait_for "Service $ns_name/web at $ip:80" 30 "$dir/kube-proxy/kube-proxy.log" ns curl -fsS --max-time 2 "http://$ip/"
log "Service web ($ip:80) answers from the node's namespace: $(ns curl -fsS --max-time 2 "http://$ip/")"
log "memory of the cluster with these pods: $(cluster_memory)"
