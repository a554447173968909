package e2e

import "testing"

// The harness's own path translation (no cluster needed: go test -run TestRewritePaths).
func TestRewritePathsRewritesEachMountOnce(t *testing.T) {
	mounts := map[string]string{"/csi": "/tmp/p/socket-dir", "/tmp": "/tmp/p/tmp",
		"/etc/config": "/tmp/p/cloud-config"}
	for in, want := range map[string]string{
		"unix:///csi/csi.sock":              "unix:///tmp/p/socket-dir/csi.sock",
		"--cloud-config=/etc/config/c.conf": "--cloud-config=/tmp/p/cloud-config/c.conf",
		"/tmp":                              "/tmp/p/tmp",
		"/csix/a":                           "/csix/a",
	} {
		if got := rewritePaths(in, mounts); got != want {
			t.Errorf("rewritePaths(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMovePortsShiftsOnlyThePodsPortsOfLaterReplicas(t *testing.T) {
	ports := []int32{9090, 9808}
	for in, want := range map[string]string{
		"--metrics-address=:9090": "--metrics-address=:9290",
		"--http-endpoint=:90901":  "--http-endpoint=:90901",
		"127.0.0.1:9808/healthz":  "127.0.0.1:10008/healthz",
		"--timeout=9090s":         "--timeout=9090s",
	} {
		if got := movePorts(in, ports, 2); got != want {
			t.Errorf("movePorts(%q, replica 2) = %q, want %q", in, got, want)
		}
	}
	if got := movePorts(":9090", ports, 0); got != ":9090" {
		t.Errorf("replica 0 moved %q", got)
	}
}
