package e2e

// Kubernetes objects as a tenant writes them, and waits on what the controllers do with them.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var snapshotGVR = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1",
	Resource: "volumesnapshots"}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		done, err := cond()
		if done {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s (last error: %v)", timeout, what, lastErr)
		}
		time.Sleep(time.Second)
	}
}

// tenantNamespace creates a namespace for the test, deleted (with what is in it) at the end.
func tenantNamespace(t *testing.T) string {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-")
	if err := ensureNamespace(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = kube.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
		waitFor(t, 5*time.Minute, "namespace "+name+" deleted", func() (bool, error) {
			_, err := kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), err
		})
	})
	return name
}

// keySecret writes the tenant's Secret naming their Barbican key.
func keySecret(t *testing.T, ns, name, keyID string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		StringData: map[string]string{"keyID": keyID}}
	if _, err := kube.CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

type pvcSpec struct {
	name, class, keySecret, size string
	dataSource                   *corev1.TypedLocalObjectReference
}

// createPVC creates the claim and, playing the scheduler's part for the chart's
// WaitForFirstConsumer classes, names the test Node as its selected node.
func createPVC(t *testing.T, ns string, spec pvcSpec) *corev1.PersistentVolumeClaim {
	t.Helper()
	annotations := map[string]string{"volume.kubernetes.io/selected-node": nodeName}
	if spec.keySecret != "" {
		annotations[keySecretAnno] = spec.keySecret
	}
	if spec.size == "" {
		spec.size = "1Gi"
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: spec.name, Namespace: ns, Annotations: annotations},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: &spec.class,
			DataSource:       spec.dataSource,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse(spec.size)}},
		},
	}
	created, err := kube.CoreV1().PersistentVolumeClaims(ns).Create(context.Background(), pvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// waitBound waits for the claim to bind and returns its PV.
func waitBound(t *testing.T, ns, name string) *corev1.PersistentVolume {
	t.Helper()
	ctx := context.Background()
	var pvName string
	waitFor(t, 4*time.Minute, "PVC "+ns+"/"+name+" Bound", func() (bool, error) {
		pvc, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pvName = pvc.Spec.VolumeName
		if pvc.Status.Phase != corev1.ClaimBound {
			return false, fmt.Errorf("phase %s; events: %s", pvc.Status.Phase, eventsOf(ns, "PersistentVolumeClaim", name))
		}
		return true, nil
	})
	pv, err := kube.CoreV1().PersistentVolumes().Get(ctx, pvName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pv
}

// eventsOf returns the reason and message of each Event about an object, as `kubectl
// describe` lists them, one per line.
func eventsOf(ns, kind, name string) string {
	list, err := kube.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.kind=" + kind + ",involvedObject.name=" + name})
	if err != nil {
		return err.Error()
	}
	lines := make([]string, 0, len(list.Items))
	for _, e := range list.Items {
		lines = append(lines, fmt.Sprintf("%s %s %s: %s", e.Type, e.Reason, e.Source.Component, e.Message))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// deletePVCAndWaitGone deletes the claim and waits until its PV and Cinder volume are gone.
func deletePVCAndWaitGone(t *testing.T, ns, name string, pv *corev1.PersistentVolume) {
	t.Helper()
	ctx := context.Background()
	if err := kube.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, "PV "+pv.Name+" deleted", func() (bool, error) {
		_, err := kube.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	id := cinderID(pv)
	waitFor(t, 2*time.Minute, "Cinder volume "+id+" deleted", func() (bool, error) {
		_, code, err := cloud.volume(id)
		return code == 404, err
	})
}

// cinderID is the Cinder volume behind a PV (a handle `<id>@<project>` names its owner too).
func cinderID(pv *corev1.PersistentVolume) string {
	id, _, _ := strings.Cut(pv.Spec.CSI.VolumeHandle, "@")
	return id
}

// startSnapshotController runs the pinned external-snapshotter's snapshot-controller (a
// cluster add-on, not part of the chart) with cluster-admin rights.
func startSnapshotController(ctx context.Context) error {
	dir := filepath.Join(cfg.stateDir, "pods", "snapshot-controller")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "snapshot-controller.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(cfg.k8sBin, "snapshot-controller"),
		"--kubeconfig="+cfg.kubeconfig, "--leader-election=false", "--v=2")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "K8S_SVC_OF=" + cfg.stateDir}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	return cmd.Start()
}
