package e2e

// No kubelet runs beside the control plane, so the controller pod's containers run as host
// processes with the args, env and files that the installed release renders for them:
//   - each container's image names the binary (the sidecars built by build.sh, whose
//     version must be the image's tag; the driver's image is BYOK_DRIVER);
//   - $(VAR) in args is expanded from the container's env as kubelet does;
//   - each volumeMount becomes a host directory (emptyDir: empty; secret: the Secret's keys
//     as files with the volume's defaultMode) and every mountPath in args and env values is
//     rewritten to that directory, the one translation a container runtime would make with a
//     bind mount;
//   - each container runs in its own UTS namespace whose hostname is the pod's name, as in a
//     pod: the sidecars' leader election takes the hostname as its identity, so replicas on
//     one host would otherwise all believe they hold the lease;
//   - a second replica (replica 1, 2, ...) shares the host's network, so every containerPort
//     the pod declares moves up by 100 per replica wherever args or env name it (":9090");
//   - the sidecars authenticate as the pod's ServiceAccount with a TokenRequest token (one
//     extra --kubeconfig argument, where a pod would read the projected token), so the
//     chart's RBAC is what the API server enforces.
// Containers whose binary the Go module proxy does not serve (livenessprobe) are skipped
// and named in the log.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

type hostPod struct {
	name    string
	dir     string
	replica int
	ports   []int32
	procs   map[string]*exec.Cmd
}

// controllerDeployment finds the chart's controller Deployment in a release manifest.
func controllerDeployment(manifest string) (*appsv1.Deployment, error) {
	for _, doc := range strings.Split(manifest, "\n---") {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil || meta.Kind != "Deployment" {
			continue
		}
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			return nil, err
		}
		if d.Spec.Template.Labels["app.kubernetes.io/component"] == "controllerplugin" {
			return &d, nil
		}
	}
	return nil, fmt.Errorf("no controllerplugin Deployment in the release manifest")
}

// binaryFor maps a container image to the binary that runs it, checking the version.
func binaryFor(image string) (string, error) {
	repo, tag, _ := strings.Cut(image[strings.LastIndex(image, "/")+1:], ":")
	if repo == "cinder-byok-csi" {
		return cfg.driver, nil
	}
	link := filepath.Join(cfg.k8sBin, repo)
	target, err := os.Readlink(link)
	if err != nil {
		return "", fmt.Errorf("image %s: no binary %s built (%v)", image, repo, err)
	}
	if !strings.HasSuffix(target, "-"+tag) {
		return "", fmt.Errorf("image %s: the built binary is %s, not the chart's tag", image, target)
	}
	return link, nil
}

var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func expandVars(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		if v, ok := vars[ref[2:len(ref)-1]]; ok {
			return v
		}
		return ref
	})
}

// movePorts shifts each port of the pod named as ":PORT" (at the end of s or before a
// non-digit) by 100 per replica.
func movePorts(s string, ports []int32, replica int) string {
	if replica == 0 {
		return s
	}
	for _, port := range ports {
		re := regexp.MustCompile(fmt.Sprintf(`:%d(\D|$)`, port))
		s = re.ReplaceAllString(s, fmt.Sprintf(":%d$1", int(port)+100*replica))
	}
	return s
}

// rewritePaths replaces each mountPath in s with its host directory, in one pass (a host
// directory may itself lie under another mountPath, /tmp say): a mountPath counts where it
// starts the string or follows '=', ':', ',' or '/' (unix:///csi/csi.sock), and ends there or
// at a '/'.
func rewritePaths(s string, mounts map[string]string) string {
	paths := make([]string, 0, len(mounts))
	for p := range mounts {
		paths = append(paths, regexp.QuoteMeta(p))
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	re := regexp.MustCompile(`(^|[=:,/])(` + strings.Join(paths, "|") + `)(/|$)`)
	return re.ReplaceAllStringFunc(s, func(m string) string {
		g := re.FindStringSubmatch(m)
		return g[1] + mounts[g[2]] + g[3]
	})
}

// startControllerPod runs replica number `replica` (0 for the first) of the chart's
// controller pod under the pod name `name`.
func startControllerPod(ctx context.Context, manifest, name, root string, replica int) (*hostPod, error) {
	d, err := controllerDeployment(manifest)
	if err != nil {
		return nil, err
	}
	pod := &hostPod{name: name, dir: filepath.Join(root, name), replica: replica,
		procs: map[string]*exec.Cmd{}}
	_ = os.RemoveAll(pod.dir)
	spec := d.Spec.Template.Spec
	for _, c := range spec.Containers {
		for _, port := range c.Ports {
			pod.ports = append(pod.ports, port.ContainerPort)
		}
	}
	volumes, err := pod.makeVolumes(ctx, d.Namespace, spec.Volumes)
	if err != nil {
		return nil, err
	}
	kubeconfig, err := pod.serviceAccountKubeconfig(ctx, d.Namespace, spec.ServiceAccountName)
	if err != nil {
		return nil, err
	}
	for _, c := range spec.Containers {
		bin, err := binaryFor(c.Image)
		if err != nil {
			if c.Name == "liveness-probe" {
				fmt.Fprintf(os.Stderr, "%s: %s not run: %v\n", name, c.Name, err)
				continue
			}
			pod.stop()
			return nil, err
		}
		if err := pod.run(c, bin, d.Namespace, volumes, kubeconfig); err != nil {
			pod.stop()
			return nil, err
		}
	}
	return pod, nil
}

func (p *hostPod) makeVolumes(ctx context.Context, ns string, vols []corev1.Volume) (map[string]string, error) {
	dirs := map[string]string{}
	for _, v := range vols {
		dir := filepath.Join(p.dir, "volumes", v.Name)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		if v.Secret != nil {
			s, err := kube.CoreV1().Secrets(ns).Get(ctx, v.Secret.SecretName, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("volume %s: %w", v.Name, err)
			}
			mode := os.FileMode(0o644)
			if v.Secret.DefaultMode != nil {
				mode = os.FileMode(*v.Secret.DefaultMode)
			}
			for k, data := range s.Data {
				if err := os.WriteFile(filepath.Join(dir, k), data, mode); err != nil {
					return nil, err
				}
			}
		}
		dirs[v.Name] = dir
	}
	return dirs, nil
}

func (p *hostPod) serviceAccountKubeconfig(ctx context.Context, ns, sa string) (string, error) {
	expiry := int64(6 * 3600)
	tr, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authv1.TokenRequest{
		Spec: authv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for service account %s/%s: %w", ns, sa, err)
	}
	raw, err := os.ReadFile(cfg.kubeconfig)
	if err != nil {
		return "", err
	}
	var admin struct {
		Clusters []struct {
			Cluster struct {
				Server string `json:"server"`
				CA     string `json:"certificate-authority"`
			} `json:"cluster"`
		} `json:"clusters"`
	}
	if err := yaml.Unmarshal(raw, &admin); err != nil || len(admin.Clusters) == 0 {
		return "", fmt.Errorf("reading %s: %v", cfg.kubeconfig, err)
	}
	c := admin.Clusters[0].Cluster
	path := filepath.Join(p.dir, "serviceaccount.kubeconfig")
	text := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority: %q}}]
users: [{name: sa, user: {token: %q}}]
contexts: [{name: c, context: {cluster: c, user: sa}}]
current-context: c
`, c.Server, c.CA, tr.Status.Token)
	return path, os.WriteFile(path, []byte(text), 0o600)
}

func (p *hostPod) run(c corev1.Container, bin, ns string, volumes map[string]string, kubeconfig string) error {
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = volumes[m.Name]
	}
	vars := map[string]string{}
	childEnv := []string{"PATH=" + os.Getenv("PATH"), "K8S_SVC_OF=" + cfg.stateDir}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.namespace":
				v = ns
			case "metadata.name":
				v = p.name
			case "spec.nodeName":
				v = nodeName
			}
		}
		// Expanded from the container's own values; paths are rewritten once, at the end.
		v = expandVars(v, vars)
		vars[e.Name] = v
		childEnv = append(childEnv, e.Name+"="+p.translate(v, mounts))
	}
	// unshare execs the shell, which sets the pod's hostname and execs the container's
	// binary: one process, which receives stop()'s signal itself.
	args := []string{"--uts", "--", "/bin/sh", "-c", `hostname "$0" && exec "$@"`, p.name, bin}
	for _, a := range c.Args {
		args = append(args, p.translate(expandVars(a, vars), mounts))
	}
	if bin != cfg.driver {
		args = append(args, "--kubeconfig="+kubeconfig)
	}
	logFile, err := os.Create(filepath.Join(p.dir, c.Name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = childEnv
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("container %s: %w", c.Name, err)
	}
	p.procs[c.Name] = cmd
	return nil
}

// translate applies the two rewrites a pod's network and mount namespaces would make.
func (p *hostPod) translate(s string, mounts map[string]string) string {
	return rewritePaths(movePorts(s, p.ports, p.replica), mounts)
}

func (p *hostPod) stop() {
	for _, cmd := range p.procs {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, cmd := range p.procs {
		_ = cmd.Wait()
	}
	p.procs = map[string]*exec.Cmd{}
}

// log returns what a container has written so far.
func (p *hostPod) log(container string) string {
	data, _ := os.ReadFile(filepath.Join(p.dir, container+".log"))
	return string(data)
}

func (p *hostPod) dumpLogs(w io.Writer) {
	files, _ := filepath.Glob(filepath.Join(p.dir, "*.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		lines := bytes.Split(data, []byte("\n"))
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		fmt.Fprintf(w, "---- %s (last lines)\n%s\n", f, bytes.Join(lines, []byte("\n")))
	}
}
