package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/util/retry"
)

// helm runs the built helm binary against the test cluster; stdout is returned.
func helm(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(cfg.k8sBin, "helm"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cfg.kubeconfig,
		"HELM_CACHE_HOME="+filepath.Join(cfg.stateDir, "helm", "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(cfg.stateDir, "helm", "config"),
		"HELM_DATA_HOME="+filepath.Join(cfg.stateDir, "helm", "data"))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("helm %s: %v: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

func helmInstall(ctx context.Context) error {
	if _, err := helm(ctx, "status", releaseName, "-n", releaseNamespace); err == nil {
		_, err = helm(ctx, "uninstall", releaseName, "-n", releaseNamespace, "--wait")
		if err != nil {
			return err
		}
	}
	_, err := helm(ctx, "install", releaseName, cfg.chart, "-n", releaseNamespace,
		"--set", "clusterID=byok-k8s-test", "--wait=false")
	return err
}

// applyDir creates every object of every YAML file in dir (existing ones are left alone).
func applyDir(ctx context.Context, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*_*.yaml")) // the CRDs, not kustomization.yaml
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no YAML in %s (%v)", dir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := createObjects(ctx, data); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

func createObjects(ctx context.Context, data []byte) error {
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(kube.Discovery()))
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var obj unstructured.Unstructured
		if err := decoder.Decode(&obj.Object); err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
		if len(obj.Object) == 0 {
			continue
		}
		mapping, err := mapper.RESTMapping(obj.GroupVersionKind().GroupKind(), obj.GroupVersionKind().Version)
		if err != nil {
			return err
		}
		res := dyn.Resource(mapping.Resource)
		var createErr error
		if obj.GetNamespace() != "" {
			_, createErr = res.Namespace(obj.GetNamespace()).Create(ctx, &obj, metav1.CreateOptions{})
		} else {
			_, createErr = res.Create(ctx, &obj, metav1.CreateOptions{})
		}
		if createErr != nil && !apierrors.IsAlreadyExists(createErr) {
			return createErr
		}
	}
}

// waitForAPI waits until discovery lists kind in groupVersion (a CRD just created).
func waitForAPI(ctx context.Context, groupVersion, kind string) error {
	for {
		list, err := kube.Discovery().ServerResourcesForGroupVersion(groupVersion)
		if err == nil {
			for _, r := range list.APIResources {
				if r.Kind == kind {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s %s never served: %v", groupVersion, kind, err)
		case <-time.After(time.Second):
		}
	}
}

func ensureNamespace(ctx context.Context, name string) error {
	_, err := kube.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// createCloudConfigSecret: the lab's cloud.conf as the chart's Secret (secret.create=false).
func createCloudConfigSecret(ctx context.Context) error {
	if err := ensureNamespace(ctx, releaseNamespace); err != nil {
		return err
	}
	conf, err := os.ReadFile(cfg.lab["LAB_CLOUD_CONF"])
	if err != nil {
		return err
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "cinder-byok-cloud-config", Namespace: releaseNamespace},
		Data:       map[string][]byte{"cloud.conf": conf},
	}
	_, err = kube.CoreV1().Secrets(releaseNamespace).Create(ctx, secret, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		_, err = kube.CoreV1().Secrets(releaseNamespace).Update(ctx, secret, metav1.UpdateOptions{})
	}
	return err
}

// registerNode does what kubelet and node-driver-registrar would do for the lab's Nova
// server: a Ready Node whose attachments the attach/detach controller manages, carrying the
// zone label, and a CSINode with the driver's node ID (the Nova server) and topology key.
func registerNode(ctx context.Context) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: nodeName,
			Labels: map[string]string{
				"kubernetes.io/hostname": nodeName,
				topologyKey:              "nova",
			},
			Annotations: map[string]string{
				"volumes.kubernetes.io/controller-managed-attach-detach": "true",
				"csi.volume.kubernetes.io/nodeid": fmt.Sprintf(`{"%s":"%s"}`, driverName,
					cfg.lab["LAB_NOVA_SERVER_ID"]),
			},
		},
	}
	created, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	// kube-controller-manager's node controllers write the new Node too (taints, status):
	// read it again and retry on a conflict.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current, err := kube.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		current.Status = corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
				Reason: "TestHarness", LastHeartbeatTime: metav1.Now()}},
			Capacity: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110"),
				corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")},
		}
		current.Status.Allocatable = current.Status.Capacity
		updated, err := kube.CoreV1().Nodes().UpdateStatus(ctx, current, metav1.UpdateOptions{})
		if err == nil {
			created = updated
		}
		return err
	})
	if err != nil {
		return err
	}
	csiNode := &storagev1.CSINode{
		ObjectMeta: metav1.ObjectMeta{Name: nodeName, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "Node", Name: nodeName, UID: created.UID}}},
		Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{{
			Name: driverName, NodeID: cfg.lab["LAB_NOVA_SERVER_ID"], TopologyKeys: []string{topologyKey},
		}}},
	}
	_, err = kube.StorageV1().CSINodes().Create(ctx, csiNode, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		err = nil
	}
	return err
}
