package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Scenario 7: the chart's "more than one replica is safe". Two controller pods run side by
// side; every sidecar elects one leader per lease, each claim gets exactly one Cinder volume,
// and when the provisioner's leader stops the other replica takes over.
func TestTwoControllerReplicasMakeOneVolumePerClaim(t *testing.T) {
	census(t)
	ctx := context.Background()
	second, err := startControllerPod(ctx, manifest, "controller-1", podsDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	pods := map[string]*hostPod{ctrlPod.name: ctrlPod, second.name: second}
	t.Cleanup(func() {
		if t.Failed() {
			second.dumpLogs(testLogWriter{t})
		}
		second.stop()
	})
	ns := tenantNamespace(t)
	keySecret(t, ns, "my-key", cloud.createKey(t, "k8s-replicas-key", "symmetric"))
	waitLeasesHeldBy(t, pods)

	// Created back to back: both replicas' provisioners see all three at once.
	claims := []string{"a", "b", "c"}
	for _, name := range claims {
		createPVC(t, ns, pvcSpec{name: name, class: "byok-envelope", keySecret: "my-key"})
	}
	pvs := map[string]*corev1.PersistentVolume{}
	for _, name := range claims {
		pvs[name] = waitBound(t, ns, name)
		expectOneVolume(t, ns, name)
	}

	// Failover: stop the provisioner's leader; the next claim is provisioned by the other.
	leader := provisionerLeader(t)
	survivor := second
	if leader == second.name {
		survivor = ctrlPod
	}
	t.Logf("stopping %s, the provisioner's leader; %s should take over", leader, survivor.name)
	pods[leader].stop()
	if leader == ctrlPod.name {
		// Later tests use ctrlPod: bring replica 0 back when this one ends.
		t.Cleanup(func() { restartFirstReplica(t) })
	}
	createPVC(t, ns, pvcSpec{name: "after-failover", class: "byok-envelope", keySecret: "my-key"})
	pvs["after-failover"] = waitBound(t, ns, "after-failover")
	expectOneVolume(t, ns, "after-failover")
	if got := provisionerLeader(t); got != survivor.name {
		t.Errorf("after %s stopped the provisioner lease is held by %q, want %s", leader, got, survivor.name)
	}
	for name, pv := range pvs {
		deletePVCAndWaitGone(t, ns, name, pv)
	}
}

// waitLeasesHeldBy waits until each sidecar's lease exists and is held by one of the pods
// (the identity is the pod's hostname).
func waitLeasesHeldBy(t *testing.T, pods map[string]*hostPod) {
	t.Helper()
	sidecars := []string{"provisioner", "attacher", "resizer", "snapshotter"}
	waitFor(t, 2*time.Minute, "a leader per sidecar among the replicas", func() (bool, error) {
		leases, err := kube.CoordinationV1().Leases(releaseNamespace).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		held := map[string]string{}
		for _, l := range leases.Items {
			if l.Spec.HolderIdentity != nil {
				held[l.Name] = *l.Spec.HolderIdentity
			}
		}
		for _, sidecar := range sidecars {
			name := leaseName(sidecar)
			if pods[held[name]] == nil {
				return false, fmt.Errorf("lease %s held by %q; leases: %v", name, held[name], held)
			}
		}
		return true, nil
	})
}

// leaseName is the Lease each sidecar's leader election uses for the driver (the driver
// name with dots as dashes, prefixed by the sidecar for all but the provisioner).
func leaseName(sidecar string) string {
	driver := strings.ReplaceAll(driverName, ".", "-")
	switch sidecar {
	case "provisioner":
		return driver
	case "resizer":
		return "external-resizer-" + driver
	default:
		return "external-" + sidecar + "-leader-" + driver
	}
}

func provisionerLeader(t *testing.T) string {
	t.Helper()
	l, err := kube.CoordinationV1().Leases(releaseNamespace).Get(context.Background(),
		leaseName("provisioner"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

func expectOneVolume(t *testing.T, ns, name string) {
	t.Helper()
	ids, err := cloud.volumesOfClaim(ns, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 {
		t.Errorf("claim %s/%s has %d Cinder volumes %v, want exactly one", ns, name, len(ids), ids)
	}
}

func restartFirstReplica(t *testing.T) {
	pod, err := startControllerPod(context.Background(), manifest, ctrlPod.name, podsDir(), 0)
	if err != nil {
		t.Errorf("restarting %s: %v", ctrlPod.name, err)
		return
	}
	ctrlPod = pod
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
