package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const metaKeyID = "byok.cinder.csi.openstack.org/key-id"

// Scenarios 1 and 6: the annotation names the tenant's Secret, the real provisioner resolves
// it for CreateVolume, the Cinder volume is bound to the tenant's key; deleting the claim
// (reclaimPolicy Delete) crypto-erases the volume, then deletes it.
func TestAnnotatedClaimGetsAVolumeBoundToTheTenantsKey(t *testing.T) {
	census(t)
	ns := tenantNamespace(t)
	key := cloud.createKey(t, "k8s-tenant-key", "symmetric")
	keySecret(t, ns, "my-key", key)
	createPVC(t, ns, pvcSpec{name: "data", class: "byok-envelope", keySecret: "my-key"})
	pv := waitBound(t, ns, "data")

	vol, _, err := cloud.volume(cinderID(pv))
	if err != nil {
		t.Fatal(err)
	}
	if got := vol.Metadata[metaKeyID]; got != key {
		t.Errorf("Cinder volume %s is bound to key %q, want the tenant's %s", vol.ID, got, key)
	}
	if got := vol.Metadata["csi.storage.k8s.io/pvc/namespace"]; got != ns {
		t.Errorf("volume metadata pvc namespace = %q, want %q (--extra-create-metadata)", got, ns)
	}
	if pv.Spec.CSI.NodeStageSecretRef == nil || pv.Spec.CSI.NodeStageSecretRef.Name != "my-key" ||
		pv.Spec.CSI.NodeStageSecretRef.Namespace != ns {
		t.Errorf("PV node-stage secret = %+v, want %s/my-key", pv.Spec.CSI.NodeStageSecretRef, ns)
	}

	deletePVCAndWaitGone(t, ns, "data", pv)
	if log := ctrlPod.log("cinder-byok-csi"); !containsLine(log, "crypto-erased volume", vol.ID) {
		t.Errorf("the driver's log has no crypto-erase of %s before its deletion", vol.ID)
	}
}

func containsLine(log string, parts ...string) bool {
	for _, line := range strings.Split(log, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}

// Scenario 2: bad inputs leave the claim Pending with an Event a user can act on, and
// create nothing in OpenStack.
func TestBadInputsLeaveTheClaimPendingWithAnEventSayingWhy(t *testing.T) {
	census(t)
	ns := tenantNamespace(t)
	passphrase := cloud.createKey(t, "k8s-not-a-key", "passphrase")
	keySecret(t, ns, "wrong-type", passphrase)
	good := cloud.createKey(t, "k8s-good-key", "symmetric")
	keySecret(t, ns, "good", good)
	typoClass(t)

	cases := []struct {
		name, class, secret string
		want                []string
	}{
		{"no-annotation", "byok-envelope", "", []string{keySecretAnno}},
		{"no-such-secret", "byok-envelope", "does-not-exist", []string{"does-not-exist"}},
		// The operator's cloud.conf Secret lives in the driver's namespace; a claim can only
		// name Secrets of its own (the class fixes the namespace to ${pvc.namespace}).
		{"operators-secret", "byok-envelope", "cinder-byok-cloud-config",
			[]string{"cinder-byok-cloud-config"}},
		{"key-of-wrong-type", "byok-envelope", "wrong-type", []string{passphrase, "keyID"}},
		{"unknown-parameter", "byok-typo", "good", []string{"encryptoin"}},
	}
	for _, c := range cases {
		createPVC(t, ns, pvcSpec{name: c.name, class: c.class, keySecret: c.secret})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var events string
			waitFor(t, 2*time.Minute, "a ProvisioningFailed event naming "+strings.Join(c.want, ", "),
				func() (bool, error) {
					events = eventsOf(ns, "PersistentVolumeClaim", c.name)
					for _, w := range c.want {
						if !strings.Contains(events, w) {
							return false, nil
						}
					}
					return strings.Contains(events, "ProvisioningFailed"), nil
				})
			t.Logf("events of %s:\n%s", c.name, events)
			pvc, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(context.Background(), c.name, metav1.GetOptions{})
			if err != nil || pvc.Status.Phase != corev1.ClaimPending {
				t.Errorf("claim %s: phase %v (err %v), want Pending", c.name, pvc.Status.Phase, err)
			}
		})
	}
}

// typoClass is the chart's envelope class with one misspelt parameter added.
func typoClass(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	base, err := kube.StorageV1().StorageClasses().Get(ctx, "byok-envelope", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "byok-typo"},
		Provisioner: base.Provisioner, Parameters: map[string]string{"encryptoin": "envelope"},
		ReclaimPolicy: base.ReclaimPolicy, VolumeBindingMode: base.VolumeBindingMode}
	for k, v := range base.Parameters {
		sc.Parameters[k] = v
	}
	if _, err := kube.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil &&
		!apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.StorageV1().StorageClasses().Delete(ctx, "byok-typo", metav1.DeleteOptions{}) })
}
