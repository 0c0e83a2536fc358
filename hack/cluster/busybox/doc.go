// Command busybox builds the local cluster's busybox image without a daemon
// or a registry: one layer with the machine's static busybox (Debian's
// busybox-static) at /bin/busybox, a symbolic link per applet where busybox
// puts it (/bin/sh, /usr/bin/env, ...), a
// world-writable /tmp and a minimal /etc/passwd and /etc/group. Like the
// usual busybox image it runs sh as root unless a pod says otherwise.
//
//	go run ./hack/cluster/busybox --binary /bin/busybox --ref stagehand.local/busybox:1.35.0 --out busybox.tar
//
// The tarball is the one internal/image writes, imported with
// `ctr -n k8s.io images import`.
package main
