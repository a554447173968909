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
