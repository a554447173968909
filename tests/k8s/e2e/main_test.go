// Package e2e runs the chart, the real CSI sidecars and the driver's controller against the
// control plane of tests/k8s/up.sh and the OpenStack lab of tests/lab (tests/k8s/README.md).
//
// TestMain installs the chart with Helm, starts the controller pod's containers as host
// processes (hostpod_test.go) and registers the lab's Nova server as a Node; each test then
// drives Kubernetes objects and checks what reached Cinder and Barbican.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	driverName       = "byok.cinder.csi.openstack.org"
	releaseName      = "byok"
	releaseNamespace = "byok-system"
	keySecretAnno    = "byok.cinder.csi.openstack.org/key-secret"
	topologyKey      = "topology.cinder.csi.openstack.org/zone"
	nodeName         = "byok-node-0"
)

// env is what the tests read from the environment (the exports of tests/k8s/up.sh and
// tests/lab/up.sh, and BYOK_DRIVER, the driver binary).
type env struct {
	kubeconfig string
	k8sBin     string
	crds       string
	driver     string
	chart      string
	stateDir   string
	lab        map[string]string
}

var (
	cfg     env
	kube    *kubernetes.Clientset
	dyn     dynamic.Interface
	cloud   *openStack
	ctrlPod *hostPod
	// manifest is the installed release as `helm get manifest` prints it.
	manifest string
)

func mustEnv(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Fprintf(os.Stderr, "%s is not set: run through tests/k8s/run.sh\n", name)
		os.Exit(2)
	}
	return v
}

func TestMain(m *testing.M) {
	cfg = env{
		kubeconfig: mustEnv("KUBECONFIG"),
		k8sBin:     mustEnv("K8S_BIN"),
		crds:       mustEnv("K8S_CRDS"),
		driver:     mustEnv("BYOK_DRIVER"),
		chart:      mustEnv("BYOK_CHART"),
		stateDir:   mustEnv("K8S_STATE_DIR"),
		lab:        map[string]string{},
	}
	for _, k := range []string{"LAB_CLOUD_CONF", "OS_AUTH_URL", "OS_REGION_NAME", "LAB_DEMO_USERNAME",
		"LAB_DEMO_PASSWORD", "LAB_DEMO_PROJECT_ID", "LAB_NOVA_SERVER_ID", "LAB_CINDER_URL", "LAB_BARBICAN_URL"} {
		cfg.lab[k] = mustEnv(k)
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	if err == nil {
		kube, err = kubernetes.NewForConfig(restConfig)
	}
	if err == nil {
		dyn, err = dynamic.NewForConfig(restConfig)
	}
	if err == nil {
		cloud, err = newOpenStack(cfg.lab)
	}
	if err == nil {
		err = setUp()
	}
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "set-up failed: %v\n", err)
	} else {
		code = m.Run()
	}
	if ctrlPod != nil {
		ctrlPod.stop()
		if code != 0 {
			ctrlPod.dumpLogs(os.Stderr)
		}
	}
	os.Exit(code)
}

// setUp: the snapshot CRDs, the cloud.conf Secret, `helm install`, the controller pod and
// the Node with its CSINode.
func setUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := applyDir(ctx, cfg.crds); err != nil {
		return fmt.Errorf("snapshot CRDs: %w", err)
	}
	if err := waitForAPI(ctx, "snapshot.storage.k8s.io/v1", "VolumeSnapshotClass"); err != nil {
		return err
	}
	if err := createCloudConfigSecret(ctx); err != nil {
		return err
	}
	if err := helmInstall(ctx); err != nil {
		return err
	}
	var err error
	manifest, err = helm(ctx, "get", "manifest", releaseName, "-n", releaseNamespace)
	if err != nil {
		return err
	}
	ctrlPod, err = startControllerPod(ctx, manifest, "controller-0", podsDir(), 0)
	if err != nil {
		return err
	}
	if err := startSnapshotController(ctx); err != nil {
		return err
	}
	return registerNode(ctx)
}

func podsDir() string { return filepath.Join(cfg.stateDir, "pods") }
