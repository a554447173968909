// Shared helpers of the packaging tests and deploy/generate.sh: YAML streams, the
// Kubernetes schema validators of the kubernetes-models package, and the normalisation that
// turns a `helm template` rendering into the plain manifests of deploy/base.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import YAML from "yaml";

const require = createRequire(import.meta.url);

// Every document of a YAML stream (file or text), null documents dropped.
export function loadAll(textOrFile) {
  const text = fs.existsSync(textOrFile) ? fs.readFileSync(textOrFile, "utf8") : textOrFile;
  const docs = YAML.parseAllDocuments(text);
  const out = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(`YAML error: ${d.errors[0].message}`);
    const v = d.toJS();
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

export const objKey = (o) =>
  `${o.kind}/${o.metadata?.namespace ? o.metadata.namespace + "/" : ""}${o.metadata?.name}`;

// The kubernetes-models schema module for an apiVersion/kind, e.g. apps/v1 Deployment ->
// _schemas/IoK8sApiAppsV1Deployment. Returns null for kinds it does not know (CRDs).
const groupPrefix = {
  "": "IoK8sApiCore",
  apps: "IoK8sApiApps",
  "rbac.authorization.k8s.io": "IoK8sApiRbac",
  "storage.k8s.io": "IoK8sApiStorage",
  "coordination.k8s.io": "IoK8sApiCoordination",
  policy: "IoK8sApiPolicy",
  batch: "IoK8sApiBatch",
  "networking.k8s.io": "IoK8sApiNetworking",
  "scheduling.k8s.io": "IoK8sApiScheduling",
  "apiextensions.k8s.io": "IoK8sApiextensionsApiserverPkgApis",
};
export function k8sValidator(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const prefix = groupPrefix[group];
  if (!prefix) return null;
  const ver = version.charAt(0).toUpperCase() + version.slice(1);
  // The package's "exports" map leaves _schemas out, so load the file by its path.
  const mod = path.join(modelsDir(), "_schemas", `${prefix}${ver}${kind}.js`);
  if (!fs.existsSync(mod)) return null;
  try {
    return require(mod).validate;
  } catch {
    return null;
  }
}

function modelsDir() {
  return path.dirname(require.resolve("kubernetes-models"));
}

export function kubernetesModelsVersion() {
  return JSON.parse(fs.readFileSync(path.join(modelsDir(), "package.json"), "utf8")).version;
}

// Validates one object; returns {status: "ok"|"fail"|"unknown", errors: [...]}.
export function validateObject(o) {
  if (!o || typeof o !== "object" || !o.apiVersion || !o.kind) {
    return { status: "fail", errors: ["not a Kubernetes object (apiVersion/kind missing)"] };
  }
  const v = k8sValidator(o.apiVersion, o.kind);
  if (!v) return { status: "unknown", errors: [] };
  // kustomize's secretGenerator wraps base64 at 76 columns; the API server accepts that (Go's
  // base64 decoder skips \r and \n) but the schema's "byte" format does not, so unwrap first.
  if (o.kind === "Secret" && o.data) {
    o = { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, d]) => [k, typeof d === "string" ? d.replace(/[\r\n]/g, "") : d])) };
  }
  if (v(o)) return { status: "ok", errors: [] };
  return {
    status: "fail",
    errors: (v.errors || []).map((e) => `${e.instancePath || "/"} ${e.message || e.keyword} ${JSON.stringify(e.params)}`),
  };
}

// Labels that only make sense for a Helm release; deploy/base leaves them out.
export const HELM_ONLY_LABELS = ["helm.sh/chart", "app.kubernetes.io/managed-by"];

function stripLabels(meta) {
  if (!meta?.labels) return;
  for (const l of HELM_ONLY_LABELS) delete meta.labels[l];
}

// A helm-rendered object as deploy/base holds it.
export function normalizeHelmObject(o) {
  const c = structuredClone(o);
  stripLabels(c.metadata);
  stripLabels(c.spec?.template?.metadata);
  return c;
}

// Which deploy/base file an object of the chart goes to.
export function baseFileFor(o) {
  switch (o.kind) {
    case "CSIDriver":
      return "csidriver.yaml";
    case "StorageClass":
      return "storageclasses.yaml";
    case "VolumeSnapshotClass":
      return "volumesnapshotclass.yaml";
    case "VolumeAttributesClass":
      return "volumeattributesclasses.yaml";
    case "DaemonSet":
      return "node.yaml";
    case "ServiceAccount":
      return o.metadata.name.endsWith("-node") ? "node.yaml" : "controller-rbac.yaml";
    case "Deployment":
    case "Service":
      return "controller.yaml";
    default:
      return "controller-rbac.yaml"; // ClusterRole(Binding), Role(Binding)
  }
}

export function toYamlStream(objs, header) {
  const body = objs.map((o) => YAML.stringify(o, { lineWidth: 0 })).join("---\n");
  return `${header}${body}`;
}

export function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

export { YAML, path, fs };
