package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

const metaPreviousKeyID = "byok.cinder.csi.openstack.org/previous-key-id"

// Scenario 8: key rotation through the real resizer. The tenant points their Secret at a new
// key and moves the claim to one of the chart's key-rotation VolumeAttributesClasses; the
// resizer calls ControllerModifyVolume with the Secret the StorageClass names, and the
// Cinder volume ends up bound to the new key, the old one recorded as previous.
func TestVolumeAttributesClassRotatesTheClaimsKey(t *testing.T) {
	census(t)
	ctx := context.Background()
	ns, oldKey, pv := boundClaim(t)
	newKey := cloud.createKey(t, "k8s-rotated-key", "symmetric")
	secret := []byte(fmt.Sprintf(`{"stringData":{"keyID":%q}}`, newKey))
	if _, err := kube.CoreV1().Secrets(ns).Patch(ctx, "my-key", types.MergePatchType, secret,
		metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, class := range []string{"byok-key-rotation-a", "byok-key-rotation-b"} {
		if _, err := kube.StorageV1().VolumeAttributesClasses().Get(ctx, class, metav1.GetOptions{}); err != nil {
			t.Fatalf("the chart's VolumeAttributesClass %s: %v", class, err)
		}
	}
	patch := []byte(`{"spec":{"volumeAttributesClassName":"byok-key-rotation-a"}}`)
	if _, err := kube.CoreV1().PersistentVolumeClaims(ns).Patch(ctx, "data", types.MergePatchType, patch,
		metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, "PVC's current VolumeAttributesClass byok-key-rotation-a", func() (bool, error) {
		pvc, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if c := pvc.Status.CurrentVolumeAttributesClassName; c != nil && *c == "byok-key-rotation-a" {
			return true, nil
		}
		return false, fmt.Errorf("modify status %+v; events: %s", pvc.Status.ModifyVolumeStatus,
			eventsOf(ns, "PersistentVolumeClaim", "data"))
	})
	vol, _, err := cloud.volume(cinderID(pv))
	if err != nil {
		t.Fatal(err)
	}
	if got := vol.Metadata[metaKeyID]; got != newKey {
		t.Errorf("volume %s is bound to key %q after the rotation, want %s", vol.ID, got, newKey)
	}
	if got := vol.Metadata[metaPreviousKeyID]; got != oldKey {
		t.Errorf("volume %s records previous key %q, want %s", vol.ID, got, oldKey)
	}
	deletePVCAndWaitGone(t, ns, "data", pv)
}
