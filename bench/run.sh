#!/bin/bash
# Runs the controller benchmark against the lab and prints Markdown (see BENCHMARKS.md).
#   bench/run.sh BUILD_DIR LAB_STATE_DIR [controller_bench flags...]
# e.g. bench/run.sh build /tmp/lab1 --callers=1 --ops=5 --account-ops=3 --startups=5
#      bench/run.sh build /tmp/lab1 --callers=10,50 --ops=2 --account-ops=0 --startups=1
# 50 callers need a demo volume quota of >= 101 (each caller holds a driver and a direct
# volume at once); with LAB_ADMIN_* set, --raise-quota=N sets it for the run and restores it.
set -euo pipefail
BUILD=${1:?build dir}; LAB=${2:?lab state dir}; shift 2
. "$LAB/env.sh"
QUOTA=""
args=()
for a in "$@"; do
  case "$a" in --raise-quota=*) QUOTA=${a#--raise-quota=} ;; *) args+=("$a") ;; esac
done
admin() {
  OS_USERNAME=$LAB_ADMIN_USERNAME OS_PASSWORD=$LAB_ADMIN_PASSWORD OS_PROJECT_NAME=admin \
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default openstack "$@"
}
if [ -n "$QUOTA" ]; then
  old=$(admin quota show "$LAB_DEMO_PROJECT_ID" -f value -c volumes)
  admin quota set --volumes "$QUOTA" "$LAB_DEMO_PROJECT_ID"
  trap 'admin quota set --volumes "$old" "$LAB_DEMO_PROJECT_ID"' EXIT
fi
echo "<!-- $(date -Is) $(uname -n) nproc=$(nproc) load: $(cut -d' ' -f1-3 /proc/loadavg) -->"
BYOK_PLUGIN_BINARY=${BYOK_PLUGIN_BINARY:-$BUILD/cmd/cinder-byok-csi} \
  "$BUILD/bench/controller_bench" "${args[@]}"
echo "<!-- load after: $(cut -d' ' -f1-3 /proc/loadavg) -->"
