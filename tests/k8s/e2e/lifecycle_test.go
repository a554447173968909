package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// boundClaim: a tenant key, its Secret and a bound envelope claim called "data".
func boundClaim(t *testing.T) (ns, key string, pv *corev1.PersistentVolume) {
	t.Helper()
	ns = tenantNamespace(t)
	key = cloud.createKey(t, "k8s-tenant-key", "symmetric")
	keySecret(t, ns, "my-key", key)
	createPVC(t, ns, pvcSpec{name: "data", class: "byok-envelope", keySecret: "my-key"})
	return ns, key, waitBound(t, ns, "data")
}

// Scenario 3: a Pod on the Node makes the attach/detach controller create a VolumeAttachment;
// the real attacher publishes through Nova; deleting the Pod detaches.
func TestPodOnTheNodeAttachesThroughNovaAndDetachesWhenDeleted(t *testing.T) {
	census(t)
	ctx := context.Background()
	ns, _, pv := boundClaim(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Spec: corev1.PodSpec{
			NodeName:   nodeName,
			Containers: []corev1.Container{{Name: "app", Image: "byok-test-app:local"}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}},
		},
	}
	if _, err := kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var attachment *storagev1.VolumeAttachment
	waitFor(t, 3*time.Minute, "a VolumeAttachment of "+pv.Name+" attached", func() (bool, error) {
		attachment = attachmentOf(ctx, pv.Name)
		return attachment != nil && attachment.Status.Attached, nil
	})
	if attachment.Spec.Attacher != driverName || attachment.Spec.NodeName != nodeName {
		t.Errorf("VolumeAttachment %s: attacher %s node %s", attachment.Name, attachment.Spec.Attacher,
			attachment.Spec.NodeName)
	}
	vol, _, err := cloud.volume(cinderID(pv))
	if err != nil || vol.Status != "in-use" {
		t.Errorf("Cinder volume %s status %q (err %v), want in-use", cinderID(pv), vol.Status, err)
	}

	// No kubelet confirms the Pod's end, so it is deleted at once, as a node's eviction would.
	zero := int64(0)
	if err := kube.CoreV1().Pods(ns).Delete(ctx, "app", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, "VolumeAttachment of "+pv.Name+" removed", func() (bool, error) {
		return attachmentOf(ctx, pv.Name) == nil, nil
	})
	waitFor(t, time.Minute, "Cinder volume available", func() (bool, error) {
		vol, _, err := cloud.volume(cinderID(pv))
		return err == nil && vol.Status == "available", err
	})
	deletePVCAndWaitGone(t, ns, "data", pv)
}

func attachmentOf(ctx context.Context, pvName string) *storagev1.VolumeAttachment {
	list, err := kube.StorageV1().VolumeAttachments().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	for i, a := range list.Items {
		if a.Spec.Source.PersistentVolumeName != nil && *a.Spec.Source.PersistentVolumeName == pvName {
			return &list.Items[i]
		}
	}
	return nil
}

// Scenario 4: the real resizer expands the Cinder volume and the PV's capacity follows.
func TestResizedClaimExpandsTheCinderVolume(t *testing.T) {
	census(t)
	ctx := context.Background()
	ns, _, pv := boundClaim(t)
	patch := []byte(`{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}`)
	if _, err := kube.CoreV1().PersistentVolumeClaims(ns).Patch(ctx, "data", types.MergePatchType, patch,
		metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	want := resource.MustParse("2Gi")
	waitFor(t, 3*time.Minute, "PV capacity 2Gi", func() (bool, error) {
		got, err := kube.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := got.Spec.Capacity[corev1.ResourceStorage]
		return c.Cmp(want) == 0, nil
	})
	vol, _, err := cloud.volume(cinderID(pv))
	if err != nil || vol.Size != 2 {
		t.Errorf("Cinder volume %s size %d GiB (err %v), want 2", cinderID(pv), vol.Size, err)
	}
	deletePVCAndWaitGone(t, ns, "data", pv)
}

// Scenario 5: a VolumeSnapshot of the claim (snapshot-controller and csi-snapshotter), then a
// claim restored from it, bound to the tenant's key.
func TestSnapshotAndRestoreKeepTheTenantsKey(t *testing.T) {
	census(t)
	ctx := context.Background()
	ns, key, pv := boundClaim(t)
	snap := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
		"metadata": map[string]any{"name": "snap", "namespace": ns},
		"spec": map[string]any{"volumeSnapshotClassName": "byok-snapshot",
			"source": map[string]any{"persistentVolumeClaimName": "data"}},
	}}
	if _, err := dyn.Resource(snapshotGVR).Namespace(ns).Create(ctx, snap, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 4*time.Minute, "VolumeSnapshot readyToUse", func() (bool, error) {
		got, err := dyn.Resource(snapshotGVR).Namespace(ns).Get(ctx, "snap", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ready, _, _ := unstructured.NestedBool(got.Object, "status", "readyToUse")
		return ready, nil
	})
	group := "snapshot.storage.k8s.io"
	createPVC(t, ns, pvcSpec{name: "restored", class: "byok-envelope", keySecret: "my-key",
		dataSource: &corev1.TypedLocalObjectReference{APIGroup: &group, Kind: "VolumeSnapshot", Name: "snap"}})
	restored := waitBound(t, ns, "restored")
	vol, _, err := cloud.volume(cinderID(restored))
	if err != nil {
		t.Fatal(err)
	}
	if got := vol.Metadata[metaKeyID]; got != key {
		t.Errorf("restored volume %s is bound to key %q, want %s", vol.ID, got, key)
	}
	deletePVCAndWaitGone(t, ns, "restored", restored)
	if err := dyn.Resource(snapshotGVR).Namespace(ns).Delete(ctx, "snap", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, "VolumeSnapshot deleted", func() (bool, error) {
		_, err := dyn.Resource(snapshotGVR).Namespace(ns).Get(ctx, "snap", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	deletePVCAndWaitGone(t, ns, "data", pv)
}
