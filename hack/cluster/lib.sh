# Shared by the cluster scripts: settings, logging, the node's network
# namespace, the cluster's cgroup, and starting a component. Sourced, not run.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../envtest-versions.env
source "$root/hack/envtest-versions.env"
# shellcheck source=cluster.env
source "$root/hack/cluster/cluster.env"
bin=${BIN:-$root/bin/envtest}
dir=$CLUSTER_DIR
netns=/run/netns/$CLUSTER_NETNS
# The cgroup (in every hierarchy) that holds every process of the cluster: the
# components, containerd's shims and, below kubepods, the pods. cluster-down
# finds whatever is left by it, without pid files or names.
cgroup_name=stagehand-cluster

log() { printf '[cluster] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# ns runs a command inside the node's network namespace. nsenter keeps the
# machine's mount namespace, so the cgroup mounts stay visible (ip netns exec
# would remount /sys and hide them from the kubelet and runc).
ns() { nsenter --net="$netns" -- "$@"; }

# cgroup_hierarchies lists the mount point of every cgroup hierarchy (v1
# controllers, name=systemd and the unified v2 one of a hybrid machine).
cgroup_hierarchies() { awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/self/mounts; }

# wait_for WHAT SECONDS LOG CMD... runs CMD once a second until it succeeds.
# It fails naming what did not come up and where its log is after SECONDS,
# or at once when a component it started has exited.
wait_for() {
  local what=$1 secs=$2 logfile=$3
  shift 3
  local begin=$SECONDS deadline=$((SECONDS + secs)) pidfile name
  until "$@" >/dev/null 2>&1; do
    for pidfile in "$dir"/*/pid; do
      [[ -f $pidfile ]] || continue
      name=$(basename "$(dirname "$pidfile")")
      if ! running "$name"; then
        log "ERROR: $name exited while waiting for $what; its log: $dir/$name/$name.log"
        tail -n 15 "$dir/$name/$name.log" | sed 's/^/    /' >&2
        return 1
      fi
    done
    if ((SECONDS >= deadline)); then
      log "ERROR: $what did not come up within ${secs}s; its log: $logfile"
      if [[ -f $logfile ]]; then tail -n 15 "$logfile" | sed 's/^/    /' >&2; fi
      return 1
    fi
    sleep 1
  done
  log "$what: up after $((SECONDS - begin)) s"
}

# start NAME CMD... starts a component in the node's network namespace.
start() { launch "$1" nsenter --net="$netns" -- "${@:2}"; }
# start_on_host NAME CMD... starts one in the machine's namespace (only the
# loopback publisher, which listens there).
start_on_host() { launch "$@"; }

# launch NAME CMD... runs CMD in the cluster's cgroup and in its own session
# (so neither a terminal hangup nor the end of make stops it), logging to
# $dir/NAME/NAME.log, its process ID in $dir/NAME/pid.
launch() {
  local name=$1
  shift
  mkdir -p "$dir/$name"
  local logfile=$dir/$name/$name.log
  (
    for h in $(cgroup_hierarchies); do
      echo "$BASHPID" >"$h/$cgroup_name/system/cgroup.procs"
    done
    # The lock's descriptor stays behind: a component holding it would make
    # every later cluster-down wait.
    exec 9<&-
    exec setsid "$@"
  ) </dev/null >>"$logfile" 2>&1 &
  echo $! >"$dir/$name/pid"
  log "started $name (pid $!, log $logfile)"
}

# alive PID succeeds while the process runs. An exited process stays a
# zombie until this machine's init reaps it, which can take seconds.
alive() {
  local state
  # The state follows the command name, which is in parentheses.
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $state && $state != Z ]]
}

# running NAME succeeds while the process started as NAME is alive.
running() {
  local pid
  pid=$(cat "$dir/$1/pid" 2>/dev/null) || return 1
  alive "$pid"
}

# kubectl runs the kubectl built next to the envtest binaries as the admin.
kubectl() { "$bin/kubectl" --kubeconfig "$CLUSTER_KUBECONFIG" "$@"; }

# The components, in the order cluster-down stops them.
components="kubelet kube-proxy kube-scheduler kube-controller-manager publish kube-apiserver etcd containerd"

# lock holds a lock for the rest of the script, so that two cluster-up or
# cluster-down runs (two test packages, say) do not interleave; the run that
# waits then finds the cluster up, or gone. down.sh run by up.sh inherits it.
lock() {
  if [[ ${CLUSTER_LOCKED:-} == 1 ]]; then return; fi
  exec 9<"$root/hack/cluster/lib.sh"
  flock -w 900 9 || die "another cluster-up or cluster-down held the lock for 15 minutes"
  export CLUSTER_LOCKED=1
}
