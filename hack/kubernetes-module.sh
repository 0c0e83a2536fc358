# Sourced by hack/envtest-assets.sh and hack/cluster/node-assets.sh: how a
# Kubernetes binary is built from the Go module proxy. Needs
# KUBERNETES_VERSION and KUBERNETES_STAGING_VERSION (hack/envtest-versions.env).
#
# k8s.io/kubernetes is not meant to be required as a module: it replaces its
# staging modules (k8s.io/api, client-go, ...) with local directories. A
# throwaway module that requires it and pins each of those to its tagged
# release instead builds any of its commands.

# kubernetes_gomod NAME prints the go.mod of a throwaway module NAME that
# requires k8s.io/kubernetes at the pinned version.
kubernetes_gomod() {
  local kmod
  kmod=$(go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  echo "module $1"
  echo
  echo "go 1.26"
  echo
  echo "require k8s.io/kubernetes ${KUBERNETES_VERSION}"
  echo
  echo "replace ("
  # sample-cli-plugin has no tag at this version.
  sed -n '/^replace (/,/^)/p' "$kmod" | awk '/=>/ {print $1}' | grep -v '^k8s.io/sample-cli-plugin$' |
    while read -r m; do echo "	$m => $m ${KUBERNETES_STAGING_VERSION}"; done
  echo ")"
}

# kubernetes_ldflags prints the linker flags that stamp the pinned version,
# which `--version` reports and the API server records of a kubelet.
kubernetes_ldflags() {
  local minor=${KUBERNETES_VERSION#v1.}
  minor=${minor%%.*}
  echo "-s -w -X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}"
}
