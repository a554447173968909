#!/bin/sh
# Guest side of tests/vm/e2e.sh: runs the kubelet-playing gtest binary, which starts the plugin.
echo "guest: $(uname -r), $(nproc) vCPUs, disks: $(ls /dev/disk/by-id | tr '\n' ' ')"
exec "$GUEST_TEST" --gtest_color=no ${GTEST_FILTER:+--gtest_filter=$GTEST_FILTER}
