#!/usr/bin/env bash
# tests/k8s/up.sh - a real Kubernetes control plane on loopback for the k8s tests: etcd,
# kube-apiserver (TLS, client certificates, RBAC, service-account token signing) and
# kube-controller-manager (PV binder, attach/detach, service-account tokens, garbage
# collector...), from the binaries of tests/k8s/build.sh.
#
#   usage:  eval "$(tests/k8s/up.sh STATE_DIR)"   # stdout = 'export VAR=...' lines only
#   stop:   tests/k8s/down.sh STATE_DIR [--purge]
#
# Exports KUBECONFIG (cluster-admin, a client certificate in system:masters), K8S_STATE_DIR,
# K8S_API_URL, K8S_CA_FILE and what build.sh exports (K8S_BIN, K8S_CRDS).
# No scheduler and no kubelet: the tests play those parts (docs in tests/k8s/README.md).
# Every process carries K8S_SVC_OF=<STATE_DIR> in its environment, so down.sh stops only
# what this script started. Knobs: K8S_ETCD_PORT=12379 K8S_API_PORT=16443 K8S_WAIT=120.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${1:?usage: up.sh STATE_DIR}
mkdir -p "$state"
state=$(cd "$state" && pwd -P)
etcd_port=${K8S_ETCD_PORT:-12379}
api_port=${K8S_API_PORT:-16443}
wait_s=${K8S_WAIT:-120}
log() { printf '== %s k8s/up: %s\n' "$(date +%T)" "$*" >&2; }

eval "$("$here/build.sh" etcd kube-apiserver kube-controller-manager)"
pki=$state/pki run=$state/run
mkdir -p "$pki" "$run" "$state/log"
touch "$state/.k8s-state"

# A CA, the apiserver's serving certificate, an admin client certificate and the
# service-account signing key; kept when they already exist.
make_pki() {
  cd "$pki"
  [[ -f ca.key ]] || {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
      -subj /CN=byok-k8s-test-ca 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  }
  issue apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes.default.svc"
  issue admin "/O=system:masters/CN=byok-test-admin" "extendedKeyUsage=clientAuth"
}
issue() {
  local name=$1 subject=$2 ext=$3
  [[ -f $name.crt ]] && return 0
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subject" \
    2>/dev/null
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile <(echo "$ext") -out "$name.crt" 2>/dev/null
}

write_kubeconfig() {
  cat >"$state/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: byok-test
  cluster: {server: "https://127.0.0.1:$api_port", certificate-authority: "$pki/ca.crt"}
users:
- name: admin
  user: {client-certificate: "$pki/admin.crt", client-key: "$pki/admin.key"}
contexts:
- name: admin
  context: {cluster: byok-test, user: admin}
current-context: admin
EOF
}

# start NAME ARGS...: runs the binary NAME from K8S_BIN in its own session, once.
start() {
  local name=$1; shift
  local pidfile=$run/$name.pid
  if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return 0; fi
  log "starting $name"
  K8S_SVC_OF=$state setsid "$K8S_BIN/$name" "$@" >>"$state/log/$name.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + wait_s))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS > deadline)) || ! kill -0 "$(cat "$run/$what.pid")" 2>/dev/null; then
      log "$what did not come up (${wait_s}s at most); last log lines:"
      tail -n 30 "$state/log/$what.log" >&2
      exit 1
    fi
    sleep 1
  done
}

(make_pki)
write_kubeconfig
start etcd --name byok-test --data-dir "$state/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
  --initial-cluster "byok-test=http://127.0.0.1:$((etcd_port + 1))" \
  --listen-metrics-urls "http://127.0.0.1:$((etcd_port + 2))"
wait_for etcd curl -fsS "http://127.0.0.1:$((etcd_port + 2))/health"

# No endpoint reconciler: it refuses a loopback advertise address, and nothing here reaches
# the API through the kubernetes Service.
start kube-apiserver --etcd-servers="http://127.0.0.1:$etcd_port" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
  --cert-dir="$state/apiserver-certs" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true --profiling=false \
  --endpoint-reconciler-type=none
wait_for kube-apiserver curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" \
  --key "$pki/admin.key" "https://127.0.0.1:$api_port/readyz"

# No node lifecycle controller: the tests' Node has no kubelet to post heartbeats, and that
# controller would taint it and evict its pods.
start kube-controller-manager --kubeconfig="$state/admin.kubeconfig" \
  --authentication-kubeconfig="$state/admin.kubeconfig" \
  --authorization-kubeconfig="$state/admin.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false \
  --controllers='*,-node-lifecycle-controller' \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --use-service-account-credentials=true --profiling=false
kubectl_get() {
  curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$api_port$1"
}
# The controller-manager is up once it has created the default namespace's token signer's
# configmap (kube-root-ca.crt, published by its root-ca-cert-publisher controller).
wait_for kube-controller-manager kubectl_get /api/v1/namespaces/default/configmaps/kube-root-ca.crt

cat <<EOF | tee "$state/env.sh"
export K8S_STATE_DIR=$state
export KUBECONFIG=$state/admin.kubeconfig
export K8S_API_URL=https://127.0.0.1:$api_port
export K8S_CA_FILE=$pki/ca.crt
export K8S_BIN=$K8S_BIN
export K8S_CRDS=$K8S_CRDS
EOF
log "control plane ready"
