# Starts and waits for the cluster's components, in the node's network
# namespace. Sourced by up.sh after lib.sh, pki.sh and images.sh.
# shellcheck shell=bash

# probe URL [CURL_ARGS...] fetches URL from inside the node's namespace.
probe() { ns curl -fsS --max-time 2 "$@" >/dev/null; }
# api_ready: the API server answers /readyz through the published loopback
# port, as the admin, which also proves the publisher.
api_ready() {
  curl -fsS --max-time 2 --cacert "$ca" --cert "$dir/pki/admin.crt" --key "$dir/pki/admin.key" \
    "https://127.0.0.1:$CLUSTER_API_PORT/readyz" >/dev/null
}

start_control_plane() {
  start etcd "$bin/etcd" --name stagehand --data-dir "$dir/etcd/data" \
    --listen-client-urls https://127.0.0.1:2379 --advertise-client-urls https://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster stagehand=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
    --cert-file "$dir/etcd/pki/server.crt" --key-file "$dir/etcd/pki/server.key" \
    --client-cert-auth --trusted-ca-file "$ca" --log-level warn
  wait_for etcd 30 "$dir/etcd/etcd.log" probe http://127.0.0.1:2381/health

  # Node,RBAC and the admission plugins a real cluster has: the defaults
  # (PodSecurity among them) plus NodeRestriction, as kubeadm sets up.
  start kube-apiserver "$bin/kube-apiserver" \
    --advertise-address "$NODE_IP" --bind-address 0.0.0.0 --secure-port 6443 \
    --etcd-servers https://127.0.0.1:2379 --etcd-cafile "$ca" \
    --etcd-certfile "$dir/kube-apiserver/pki/etcd-client.crt" --etcd-keyfile "$dir/kube-apiserver/pki/etcd-client.key" \
    --client-ca-file "$ca" \
    --tls-cert-file "$dir/kube-apiserver/pki/serving.crt" --tls-private-key-file "$dir/kube-apiserver/pki/serving.key" \
    --kubelet-certificate-authority "$ca" --kubelet-preferred-address-types InternalIP \
    --kubelet-client-certificate "$dir/kube-apiserver/pki/kubelet-client.crt" --kubelet-client-key "$dir/kube-apiserver/pki/kubelet-client.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --authorization-mode Node,RBAC \
    --requestheader-client-ca-file "$dir/pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$dir/kube-apiserver/pki/front-proxy-client.crt" --proxy-client-key-file "$dir/kube-apiserver/pki/front-proxy-client.key" \
    --enable-admission-plugins NodeRestriction,PodSecurity,NamespaceLifecycle,LimitRanger,ServiceAccount,Priority,DefaultTolerationSeconds,ResourceQuota,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy \
    --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true --profiling=false
  start_on_host publish "$dir/bin/publish" --netns "$netns" --listen "127.0.0.1:$CLUSTER_API_PORT" --to 127.0.0.1:6443
  wait_for kube-apiserver 60 "$dir/kube-apiserver/kube-apiserver.log" api_ready

  local kcm=$dir/kube-controller-manager
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$kcm/kubeconfig" --authentication-kubeconfig "$kcm/kubeconfig" --authorization-kubeconfig "$kcm/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false \
    --use-service-account-credentials --service-account-private-key-file "$dir/pki/sa.key" --root-ca-file "$ca" \
    --cluster-signing-cert-file "$ca" --cluster-signing-key-file "$ca_key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false --profiling=false
  local sched=$dir/kube-scheduler
  start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig "$sched/kubeconfig" --authentication-kubeconfig "$sched/kubeconfig" --authorization-kubeconfig "$sched/kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false --profiling=false
  wait_for kube-controller-manager 60 "$kcm/kube-controller-manager.log" probe -k https://127.0.0.1:10257/healthz
  wait_for kube-scheduler 60 "$sched/kube-scheduler.log" probe -k https://127.0.0.1:10259/healthz
}

start_node() {
  start containerd /usr/bin/containerd --config "$dir/containerd/config.toml"
  wait_for containerd 30 "$dir/containerd/containerd.log" ctr version
  import_image "$dir/images/pause.tar"
  import_image "$dir/images/busybox.tar"

  start kubelet "$bin/kubelet" --config "$dir/kubelet/config.yaml" --kubeconfig "$dir/kubelet/kubeconfig" \
    --root-dir "$dir/kubelet/root" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
  start kube-proxy "$bin/kube-proxy" --config "$dir/kube-proxy/config.yaml"
  wait_for kubelet 60 "$dir/kubelet/kubelet.log" probe http://127.0.0.1:10248/healthz
}

node_ready() {
  [[ $(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

# wait_node_ready waits for what every later step relies on: the node Ready,
# kube-proxy's rules synced, and the default namespace's ServiceAccount and
# kube-root-ca.crt (which the controller manager makes in every namespace).
wait_node_ready() {
  wait_for "node $NODE_NAME Ready" 60 "$dir/kubelet/kubelet.log" node_ready
  wait_for kube-proxy 60 "$dir/kube-proxy/kube-proxy.log" probe http://127.0.0.1:10256/healthz
  wait_for "ServiceAccount default/default" 60 "$dir/kube-controller-manager/kube-controller-manager.log" \
    kubectl get serviceaccount default -n default
  wait_for "ConfigMap default/kube-root-ca.crt" 60 "$dir/kube-controller-manager/kube-controller-manager.log" \
    kubectl get configmap kube-root-ca.crt -n default
}

# healthy succeeds when a cluster is up with every component running.
healthy() {
  local c
  [[ -d $dir && -e $netns ]] || return 1
  for c in $components; do running "$c" || return 1; done
  api_ready && node_ready
}
