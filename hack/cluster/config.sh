# Writes the configuration of containerd, the CNI network, the kubelet and
# kube-proxy under $dir. Sourced by up.sh after lib.sh.
# shellcheck shell=bash

write_containerd_config() {
  local d=$dir/containerd
  mkdir -p "$d" "$dir/cni/net.d"
  # Everything containerd keeps goes under $dir; only the shims' sockets
  # (/run/containerd/s) and the pods' network namespaces (/run/netns/cni-*) have
  # fixed paths in containerd 1.6, and cluster-down removes them.
  cat >"$d/config.toml" <<TOML
version = 2
root = "$d/root"
state = "$d/state"
# Plugins this node never uses; disabling them keeps their directories and
# warnings away.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$d/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"

[plugins."io.containerd.grpc.v1.cri"]
  # Built here (hack/cluster/pause) and imported; never pulled.
  sandbox_image = "$PAUSE_IMAGE"
  # This machine lacks CAP_SYS_RESOURCE: runc could not set the pause
  # container's OOM score below containerd's own otherwise.
  restrict_oom_score_adj = true
  enable_selinux = false
  disable_apparmor = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # runc, not crun: crun fails on the hybrid cgroup hierarchies here.
        BinaryName = "/usr/sbin/runc"
        Root = "$d/runc"
        # The kubelet's cgroupDriver is cgroupfs: there is no systemd here.
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
    max_conf_num = 1
TOML
}

# write_cni_config: one bridge in the node's namespace with the pods on it.
# Pods get routes to the node's range and the service range only (no default
# route): nothing they send can leave the node's namespace, which itself has
# no route out of the machine's loopback either. host-local keeps its leases
# under $dir.
write_cni_config() {
  cat >"$dir/cni/net.d/10-stagehand.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "stagehand",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR"}]],
        "routes": [{"dst": "$NODE_CIDR"}, {"dst": "$SERVICE_CIDR"}]
      }
    },
    {"type": "loopback"}
  ]
}
JSON
}

write_kubelet_config() {
  local d=$dir/kubelet
  mkdir -p "$d"
  # There is no cluster DNS, and the machine's resolvers are out of reach from
  # the node's namespace. Pods get their own loopback as name server, so that a
  # lookup fails at once; with no name server at all containerd would copy the
  # machine's /etc/resolv.conf into them.
  echo "nameserver 127.0.0.1" >"$d/resolv.conf"
  cat >"$d/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine has cgroup v1 hierarchies (hybrid) and no systemd.
failCgroupV1: false
cgroupDriver: cgroupfs
# Every pod's cgroup lives below the cluster's, which cluster-down empties.
cgroupRoot: /$cgroup_name
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $d/pki/serving.crt
tlsPrivateKeyFile: $d/pki/serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $ca}
authorization:
  mode: Webhook
clusterDomain: cluster.local
resolvConf: $d/resolv.conf
# A development machine's disk is shared with builds: evict only when nearly
# full, and never collect the imported images (they cannot be pulled again).
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  nodefs.inodesFree: 2%
  imagefs.available: 2%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
# The kubelet cannot lower its OOM score without CAP_SYS_RESOURCE.
oomScoreAdj: 0
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 5s
YAML
}

write_kube_proxy_config() {
  local d=$dir/kube-proxy
  mkdir -p "$d"
  cat >"$d/config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $d/kubeconfig
mode: iptables
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]
# Leave the machine-wide conntrack table size and timeouts alone (they are not
# per network namespace), and the OOM score (no CAP_SYS_RESOURCE).
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
oomScoreAdj: 0
YAML
}
