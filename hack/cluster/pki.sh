# Writes the cluster's PKI and kubeconfigs under $dir: one CA, a serving and a
# client certificate per component (in $dir/NAME/pki), the service-account
# signing key, and a kubeconfig per client. Sourced by up.sh after lib.sh.
# shellcheck shell=bash

ca=$dir/pki/ca.crt
ca_key=$dir/pki/ca.key

# new_ca OUT_PREFIX CN writes a CA. ECDSA P-256 keys: every component accepts
# them, and they are generated in milliseconds.
new_ca() {
  mkdir -p "$(dirname "$1")"
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null
  openssl req -x509 -new -key "$1.key" -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$1.crt" 2>/dev/null
}

# new_cert OUT_PREFIX SUBJECT USAGE [SANS [CA_PREFIX]] writes OUT_PREFIX.crt and
# .key, signed by the cluster CA (or CA_PREFIX's). USAGE is serverAuth or
# clientAuth; SANS is an openssl subjectAltName value such as
# "IP:127.0.0.1,DNS:localhost".
new_cert() {
  local out=$1 subject=$2 usage=$3 sans=${4:-} signer=${5:-${ca%.crt}}
  mkdir -p "$(dirname "$out")"
  openssl ecparam -name prime256v1 -genkey -noout -out "$out.key" 2>/dev/null
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    if [[ -n $sans ]]; then echo "subjectAltName=$sans"; fi
  } >"$ext"
  openssl req -new -key "$out.key" -subj "$subject" 2>/dev/null |
    openssl x509 -req -CA "$signer.crt" -CAkey "$signer.key" -CAcreateserial -days 365 -extfile "$ext" -out "$out.crt" 2>/dev/null
  rm -f "$ext"
}

# new_kubeconfig PATH USER CERT_PREFIX SERVER writes a kubeconfig that
# authenticates with a client certificate.
new_kubeconfig() {
  local path=$1 user=$2 cert=$3 server=$4
  cat >"$path" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: stagehand
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$ca")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$cert.crt")
    client-key-data: $(base64 -w0 "$cert.key")
contexts:
- name: stagehand
  context: {cluster: stagehand, user: $user}
current-context: stagehand
KUBECONFIG
  chmod 600 "$path"
}

write_pki() {
  new_ca "${ca%.crt}" stagehand-cluster-ca
  # The aggregation layer's own CA, apart from the client CA as kubeadm has it:
  # the API server proves with it who it proxies for, and the controller
  # manager and the scheduler expect to find it.
  new_ca "$dir/pki/front-proxy-ca" stagehand-front-proxy-ca
  new_cert "$dir/kube-apiserver/pki/front-proxy-client" "/CN=front-proxy-client" clientAuth "" "$dir/pki/front-proxy-ca"
  # Inside the node's namespace every component reaches the API server on its
  # loopback; the admin's kubeconfig goes through the published loopback port.
  local inside=https://127.0.0.1:6443
  new_cert "$dir/etcd/pki/server" "/CN=etcd" serverAuth "IP:127.0.0.1,DNS:localhost"
  new_cert "$dir/kube-apiserver/pki/serving" "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1,IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  new_cert "$dir/kube-apiserver/pki/etcd-client" "/CN=kube-apiserver-etcd-client" clientAuth
  new_cert "$dir/kube-apiserver/pki/kubelet-client" "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  # The service-account token signing key: the API server signs and verifies
  # with it, the controller manager signs the legacy tokens it still mints.
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/pki/sa.key" 2>/dev/null
  openssl ec -in "$dir/pki/sa.key" -pubout -out "$dir/pki/sa.pub" 2>/dev/null

  new_cert "$dir/kube-controller-manager/pki/client" "/CN=system:kube-controller-manager" clientAuth
  new_kubeconfig "$dir/kube-controller-manager/kubeconfig" system:kube-controller-manager "$dir/kube-controller-manager/pki/client" "$inside"
  new_cert "$dir/kube-scheduler/pki/client" "/CN=system:kube-scheduler" clientAuth
  new_kubeconfig "$dir/kube-scheduler/kubeconfig" system:kube-scheduler "$dir/kube-scheduler/pki/client" "$inside"
  new_cert "$dir/kube-proxy/pki/client" "/CN=system:kube-proxy" clientAuth
  new_kubeconfig "$dir/kube-proxy/kubeconfig" system:kube-proxy "$dir/kube-proxy/pki/client" "$inside"
  # The Node authorizer and NodeRestriction know the kubelet by this name and
  # group; its serving certificate is what the API server checks on logs/exec.
  new_cert "$dir/kubelet/pki/client" "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  new_kubeconfig "$dir/kubelet/kubeconfig" "system:node:$NODE_NAME" "$dir/kubelet/pki/client" "$inside"
  new_cert "$dir/kubelet/pki/serving" "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"

  new_cert "$dir/pki/admin" "/O=system:masters/CN=stagehand-admin" clientAuth
  new_kubeconfig "$CLUSTER_KUBECONFIG" stagehand-admin "$dir/pki/admin" "https://127.0.0.1:$CLUSTER_API_PORT"
  # The same admin from inside the node's namespace, for tools run with nsenter.
  new_kubeconfig "$dir/pki/admin-inside.kubeconfig" stagehand-admin "$dir/pki/admin" "$inside"
}
