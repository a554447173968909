// The checks of tests/packaging/run.sh. Each prints lines "PASS <name>", "FAIL <name>: why"
// or "SKIP <name>: why"; run.sh counts them. Exit status 1 when a check failed.
//
//   node check.mjs k8s LABEL FILE             every object of FILE against Kubernetes' schemas
//   node check.mjs k8s-negative FILE          every object of FILE must be rejected
//   node check.mjs values CHART_DIR           values.yaml (+ ci/*.yaml) against values.schema.json
//   node check.mjs agree HELM.yaml DEPLOY.yaml  chart rendering vs kustomize rendering of deploy/base
//   node check.mjs agree-static CHART_DIR DEPLOY.yaml  the part of `agree` that needs no helm
//   node check.mjs tenant DEPLOY.yaml TENANT.yaml  the tenant example fits the StorageClasses
//   node check.mjs cinder-type DEFAULTS.yaml RC ERR RENDER.yaml TYPE  the cinder-mode class
//                                             needs a volume type (see checkCinderType)
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { createRequire } from "node:module";
import { isDeepStrictEqual } from "node:util";
import { spawnSync } from "node:child_process";
import os from "node:os";
import {
  loadAll, objKey, validateObject, kubernetesModelsVersion, normalizeHelmObject, YAML, fs, path,
} from "./lib.mjs";

const require = createRequire(import.meta.url);
let failed = 0;
const pass = (n) => console.log(`PASS ${n}`);
const fail = (n, why) => { failed++; console.log(`FAIL ${n}: ${why}`); };
const skip = (n, why) => console.log(`SKIP ${n}: ${why}`);

const DRIVER = "byok.cinder.csi.openstack.org";

// ---------------------------------------------------------------------------------------
function checkK8s(label, file) {
  const objs = loadAll(file);
  if (objs.length === 0) return fail(`k8s-schema ${label}`, "no objects rendered");
  const errors = [];
  const unknown = [];
  const seen = new Set();
  const metaValidate = require("@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta").validate;
  for (const o of objs) {
    const key = objKey(o);
    if (seen.has(key)) errors.push(`${key}: defined twice`);
    seen.add(key);
    const r = validateObject(o);
    if (r.status === "fail") errors.push(`${key}: ${r.errors.slice(0, 5).join("; ")}`);
    if (r.status === "unknown") {
      // A custom resource: kubernetes-models has no schema for its kind. Its metadata is
      // still checked against ObjectMeta.
      if (!metaValidate(o.metadata)) errors.push(`${key}: metadata ${JSON.stringify(metaValidate.errors)}`);
      unknown.push(`${o.apiVersion} ${key}`);
    }
  }
  const n = `k8s-schema ${label} (${objs.length} objects, kubernetes-models ${kubernetesModelsVersion()})`;
  if (errors.length) fail(n, "\n  " + errors.join("\n  "));
  else pass(n + (unknown.length ? `; metadata only, no schema packaged for: ${unknown.join(", ")}` : ""));
}

// Every object of FILE must be rejected.
function checkK8sNegative(file) {
  const objs = loadAll(file);
  const accepted = objs.filter((o) => validateObject(o).status !== "fail").map(objKey);
  const n = `k8s-schema rejects broken objects (${objs.length} cases)`;
  if (accepted.length) fail(n, `accepted: ${accepted.join(", ")}`);
  else pass(n);
}

// ---------------------------------------------------------------------------------------
function deepMerge(a, b) {
  if (b === null || typeof b !== "object" || Array.isArray(b)) return structuredClone(b);
  const out = a && typeof a === "object" && !Array.isArray(a) ? structuredClone(a) : {};
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(out[k], v);
  return out;
}

function setPath(obj, dotted, value) {
  const parts = dotted.split(".");
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p];
  o[parts.at(-1)] = value;
}

function checkValues(chartDir) {
  const schema = JSON.parse(fs.readFileSync(path.join(chartDir, "values.schema.json"), "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (e) {
    return fail("values-schema compiles", e.message);
  }
  pass(`values-schema compiles (ajv ${require("ajv/package.json").version}, strict mode)`);
  const defaults = YAML.parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8"));
  const show = () => ajv.errorsText(validate.errors, { separator: "\n  " });
  if (validate(defaults)) pass("values.yaml matches values.schema.json");
  else fail("values.yaml matches values.schema.json", "\n  " + show());

  const ciDir = path.join(chartDir, "ci");
  for (const f of fs.existsSync(ciDir) ? fs.readdirSync(ciDir).sort() : []) {
    const merged = deepMerge(defaults, YAML.parse(fs.readFileSync(path.join(ciDir, f), "utf8")));
    if (validate(merged)) pass(`values.yaml + ci/${f} matches the schema`);
    else fail(`values.yaml + ci/${f} matches the schema`, "\n  " + show());
  }

  // The schema must reject what the chart cannot render sensibly.
  const bad = [
    ["unknown top-level key", (v) => { v.replica = 2; }],
    ["misspelt nested key", (v) => { v.csi.plugin.nodePlugin.kubeletdir = "/var/lib/kubelet"; }],
    ["unknown encryption mode", (v) => setPath(v, "storageClasses.envelope.encryption", "luks")],
    ["unknown udevSync", (v) => setPath(v, "csi.plugin.nodePlugin.udevSync", "on")],
    ["port as a string", (v) => setPath(v, "csi.plugin.controllerPlugin.healthPort", "9808")],
    ["kubeletDir with a trailing slash", (v) => setPath(v, "csi.plugin.nodePlugin.kubeletDir", "/var/lib/kubelet/")],
    ["bad resource quantity", (v) => setPath(v, "csi.plugin.nodePlugin.resources", { limits: { memory: "lots" } })],
    ["empty image repository", (v) => setPath(v, "csi.provisioner.image.repository", "")],
    ["shutdownGrace in minutes", (v) => setPath(v, "csi.plugin.shutdownGrace", "1m")],
    ["missing secret name", (v) => { delete v.secret.name; }],
  ];
  const accepted = [];
  for (const [name, mutate] of bad) {
    const v = structuredClone(defaults);
    mutate(v);
    if (validate(v)) accepted.push(name);
  }
  if (accepted.length) fail("values-schema rejects bad values", `accepted: ${accepted.join(", ")}`);
  else pass(`values-schema rejects bad values (${bad.length} cases)`);
}

// ---------------------------------------------------------------------------------------
const byKey = (objs) => new Map(objs.map((o) => [objKey(o), o]));
const podSpecs = (m) =>
  [...m.values()].filter((o) => ["Deployment", "DaemonSet"].includes(o.kind))
    .map((o) => [objKey(o), o.spec.template.spec]);

function containerView(spec, fields) {
  const out = {};
  for (const c of spec.containers) out[c.name] = Object.fromEntries(fields.map((f) => [f, c[f] ?? null]));
  return out;
}

function compareAspect(name, helmObjs, deployObjs, extract) {
  const a = extract(helmObjs);
  const b = extract(deployObjs);
  if (isDeepStrictEqual(a, b)) pass(`agree: ${name}`);
  else fail(`agree: ${name}`, `chart ${JSON.stringify(a)}\n  deploy ${JSON.stringify(b)}`);
}

function driverNames(m) {
  const out = [];
  for (const o of m.values()) {
    if (o.kind === "CSIDriver") out.push(`CSIDriver ${o.metadata.name}`);
    if (o.kind === "StorageClass") out.push(`StorageClass ${o.metadata.name} ${o.provisioner}`);
    if (o.kind === "VolumeSnapshotClass") out.push(`VolumeSnapshotClass ${o.metadata.name} ${o.driver}`);
  }
  return out.sort();
}

function socketPaths(m) {
  const out = {};
  for (const [k, spec] of podSpecs(m)) {
    const vols = Object.fromEntries(spec.volumes.map((v) => [v.name, v.hostPath?.path ?? (v.emptyDir ? "emptyDir" : v.secret ? `secret:${v.secret.secretName}` : "other")]));
    const mounts = {};
    for (const c of spec.containers) {
      mounts[c.name] = {
        env: (c.env || []).filter((e) => ["ADDRESS", "CSI_ENDPOINT", "DRIVER_REG_SOCK_PATH"].includes(e.name)),
        mounts: (c.volumeMounts || []).map((vm) => `${vm.name}:${vm.mountPath}:${vm.mountPropagation ?? ""}`),
      };
    }
    out[k] = { volumes: vols, containers: mounts };
  }
  return out;
}

function rbac(m) {
  const out = {};
  for (const o of m.values()) {
    if (["ClusterRole", "Role"].includes(o.kind)) out[objKey(o)] = o.rules;
    if (["ClusterRoleBinding", "RoleBinding"].includes(o.kind)) out[objKey(o)] = { roleRef: o.roleRef, subjects: o.subjects };
    if (o.kind === "ServiceAccount") out[objKey(o)] = { automount: o.automountServiceAccountToken ?? null };
  }
  return out;
}

function checkAgree(helmFile, deployFile) {
  const helm = byKey(loadAll(helmFile).map(normalizeHelmObject));
  const deploy = byKey(loadAll(deployFile));
  compareAspect("object set", helm, deploy, (m) => [...m.keys()].sort());
  compareAspect(`driver name (${DRIVER})`, helm, deploy, driverNames);
  const names = driverNames(deploy);
  if (!names.length || names.some((n) => !n.includes(DRIVER))) fail("agree: driver name is " + DRIVER, names.join(", "));
  compareAspect("socket paths and host mounts", helm, deploy, socketPaths);
  compareAspect("sidecar and driver images and args", helm, deploy, (m) =>
    Object.fromEntries(podSpecs(m).map(([k, s]) => [k, containerView(s, ["image", "args", "command"])])));
  compareAspect("RBAC", helm, deploy, rbac);
  // Everything else too: the generated deploy/base must be exactly the chart's defaults.
  const diffs = [];
  for (const [k, o] of helm) if (deploy.has(k) && !isDeepStrictEqual(o, deploy.get(k))) diffs.push(k);
  if (diffs.length) fail("agree: every object identical", `differ: ${diffs.join(", ")} (run deploy/generate.sh)`);
  else pass(`agree: every object identical (${helm.size} objects)`);
}

// Without helm: what can be compared from values.yaml and the templates' sources alone.
function checkAgreeStatic(chartDir, deployFile) {
  const deploy = byKey(loadAll(deployFile));
  const helpers = fs.readFileSync(path.join(chartDir, "templates/_helpers.tpl"), "utf8");
  const m = helpers.match(/define "byok.driverName" -}}([^{]+){{/);
  const chartDriver = m && m[1].trim();
  if (chartDriver === DRIVER && driverNames(deploy).every((n) => n.includes(DRIVER))) pass("agree-static: driver name");
  else fail("agree-static: driver name", `chart ${chartDriver}, deploy ${driverNames(deploy)}`);
  const values = YAML.parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8"));
  const chartVersion = YAML.parse(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8")).appVersion;
  const want = new Set();
  for (const [k, s] of Object.entries(values.csi)) {
    if (s.image) want.add(`${s.image.repository}:${s.image.tag || chartVersion}`);
  }
  const have = new Set(podSpecs(deploy).flatMap(([, s]) => s.containers.map((c) => c.image)));
  const missing = [...want].filter((i) => !have.has(i));
  const extra = [...have].filter((i) => !want.has(i));
  if (!missing.length && !extra.length) pass("agree-static: images and tags");
  else fail("agree-static: images and tags", `not in deploy: ${missing}; not in values: ${extra}`);
}

// The tenant examples fit the installed classes: each PVC names a StorageClass of deploy/base,
// an encrypting class reads the Secret from the annotation the PVC sets, and that Secret
// exists in the example with a keyID.
function checkTenant(baseFile, tenantFile) {
  const classes = new Map(loadAll(baseFile).filter((o) => o.kind === "StorageClass").map((o) => [o.metadata.name, o]));
  const tenant = loadAll(tenantFile);
  const secrets = new Map(tenant.filter((o) => o.kind === "Secret").map((o) => [o.metadata.name, o]));
  const problems = [];
  const pvcs = tenant.filter((o) => o.kind === "PersistentVolumeClaim");
  for (const pvc of pvcs) {
    const sc = classes.get(pvc.spec.storageClassName);
    if (!sc) { problems.push(`${objKey(pvc)}: no StorageClass ${pvc.spec.storageClassName}`); continue; }
    if (sc.parameters.encryption === "none") continue;
    // NodeExpandVolume makes no OpenStack call: no class hands the tenant's Secret to it.
    if (sc.parameters["csi.storage.k8s.io/node-expand-secret-name"]) {
      problems.push(`${sc.metadata.name}: passes a node-expand Secret, which the node never uses`);
    }
    for (const op of ["provisioner", "controller-publish", "node-stage", "controller-expand"]) {
      // controller-publish only where the class opts in (tenantCredentials).
      if (op === "controller-publish" && !sc.parameters[`csi.storage.k8s.io/${op}-secret-name`]) continue;
      const tpl = sc.parameters[`csi.storage.k8s.io/${op}-secret-name`] || "";
      const ns = sc.parameters[`csi.storage.k8s.io/${op}-secret-namespace`];
      const m = tpl.match(/^\$\{pvc\.annotations\['([^']+)'\]\}$/);
      if (!m) { problems.push(`${sc.metadata.name}: ${op} secret name is not a PVC annotation template`); continue; }
      if (ns !== "${pvc.namespace}") problems.push(`${sc.metadata.name}: ${op} secret namespace is ${ns}`);
      const secretName = pvc.metadata.annotations?.[m[1]];
      if (!secretName) { problems.push(`${objKey(pvc)}: lacks annotation ${m[1]}`); continue; }
      const secret = secrets.get(secretName);
      if (!secret) problems.push(`${objKey(pvc)}: Secret ${secretName} not in the example`);
      else if (!(secret.stringData?.keyID || secret.data?.keyID)) problems.push(`Secret ${secretName}: no keyID`);
    }
  }
  // Each sidecar that fetches a class's Secret may read Secrets (get), or the call never
  // reaches the driver.
  const roles = new Map(loadAll(baseFile).filter((o) => o.kind === "ClusterRole").map((o) => [o.metadata.name, o]));
  const sidecarOf = { provisioner: "provisioner", "controller-publish": "attacher", "controller-expand": "resizer" };
  for (const sc of classes.values()) {
    for (const [op, sidecar] of Object.entries(sidecarOf)) {
      if (!sc.parameters?.[`csi.storage.k8s.io/${op}-secret-name`]) continue;
      const role = [...roles.values()].find((r) => r.metadata.name.endsWith(`-${sidecar}`));
      const reads = role?.rules?.some((r) => r.resources?.includes("secrets") && r.verbs?.includes("get"));
      if (!reads) problems.push(`${sc.metadata.name}: ${op} secret set but the ${sidecar} may not get Secrets`);
    }
  }
  const n = `tenant example fits deploy/base (${pvcs.length} PVC(s))`;
  if (!pvcs.length) fail(n, "no PVC in the example");
  else if (problems.length) fail(n, [...new Set(problems)].join("; "));
  else pass(n);
}

// Chart defects found by reading the chart against the sidecars' sources, each checked on
// the renders: `defaults` (helm, no snapshot API), `withSnap` (helm, snapshot API present),
// `cluster` (helm, --set clusterID=prod-eu and storageClasses.envelope.tenantCredentials=true),
// `base` (deploy/base through kubectl kustomize).
function checkChartDefects(defaults, withSnap, cluster, base) {
  const containers = (objs, kind) => objs.filter((o) => o.kind === kind)
    .flatMap((o) => o.spec.template.spec.containers);
  // 1. node-driver-registrar's probe: its --http-endpoint, not the no-op registration probe.
  for (const [label, file] of [["chart", withSnap], ["deploy/base", base]]) {
    const reg = containers(loadAll(file), "DaemonSet").find((c) => c.name === "node-driver-registrar");
    const endpoint = (reg?.args || []).find((a) => a.startsWith("--http-endpoint=:"));
    const port = reg?.ports?.find((p) => p.name === reg?.livenessProbe?.httpGet?.port);
    const n = `${label}: node-driver-registrar is probed on its --http-endpoint`;
    if (!reg) fail(n, "no node-driver-registrar container");
    else if (reg.livenessProbe?.exec) fail(n, `exec probe ${JSON.stringify(reg.livenessProbe.exec.command)}`);
    else if (!endpoint || !port || `--http-endpoint=:${port.containerPort}` !== endpoint) {
      fail(n, `args ${JSON.stringify(reg.args)}, probe ${JSON.stringify(reg.livenessProbe)}`);
    } else pass(n);
  }
  // 2. Secret volume modes, read as Kubernetes reads YAML (1.1: a leading 0 is octal).
  for (const [label, file] of [["chart", withSnap], ["deploy/base", base]]) {
    const text = fs.readFileSync(file, "utf8");
    const modes = YAML.parseAllDocuments(text, { version: "1.1" }).map((d) => d.toJS())
      .filter((o) => o?.spec?.template?.spec?.volumes)
      .flatMap((o) => o.spec.template.spec.volumes.filter((v) => v.secret).map((v) => v.secret.defaultMode));
    const n = `${label}: cloud.conf Secret volumes are mode 0440`;
    if (!modes.length) fail(n, "no Secret volume");
    else if (modes.every((m) => m === 0o440)) pass(n);
    else fail(n, `modes ${modes.map((m) => "0" + Number(m).toString(8)).join(", ")}`);
  }
  // 3. --cluster is the chart's clusterID.
  const ctl = containers(loadAll(cluster), "Deployment").find((c) => c.name === "cinder-byok-csi");
  if ((ctl?.args || []).includes("--cluster=prod-eu")) pass("chart: clusterID sets the controller's --cluster");
  else fail("chart: clusterID sets the controller's --cluster", `args ${JSON.stringify(ctl?.args)}`);
  // 4b. Detach does not depend on a tenant's Secret unless a class opts in (tenantCredentials).
  const publishSecret = (file) => loadAll(file).filter((o) => o.kind === "StorageClass" &&
    o.parameters?.["csi.storage.k8s.io/controller-publish-secret-name"]).map((o) => o.metadata.name);
  const m = "chart: controller-publish Secret only on classes with tenantCredentials";
  const dflt = publishSecret(withSnap), opted = publishSecret(cluster);
  if (dflt.length === 0 && opted.length === 1 && opted[0] === "byok-envelope") pass(m);
  else fail(m, `defaults: ${dflt}; with storageClasses.envelope.tenantCredentials: ${opted}`);
  // 4. The VolumeSnapshotClass renders only where the snapshot API exists.
  const classes = (file) => loadAll(file).filter((o) => o.kind === "VolumeSnapshotClass").length;
  const n = "chart: VolumeSnapshotClass only with the snapshot API";
  if (classes(defaults) === 0 && classes(withSnap) === 1) pass(n);
  else fail(n, `without the API: ${classes(defaults)}, with it: ${classes(withSnap)}`);
  // 5. Key rotation: two VolumeAttributesClasses with distinct keyRotation labels where the
  // API exists, none elsewhere; every encrypted class hands the tenant's Secret to
  // ControllerModifyVolume.
  const vacs = (file) => loadAll(file).filter((o) => o.kind === "VolumeAttributesClass");
  const labels = new Set(vacs(withSnap).map((o) => o.parameters?.keyRotation));
  const v = "chart: two key-rotation VolumeAttributesClasses only with the API";
  if (vacs(defaults).length === 0 && vacs(withSnap).length === 2 && labels.size === 2 &&
      vacs(withSnap).every((o) => o.driverName === "byok.cinder.csi.openstack.org")) pass(v);
  else fail(v, `without the API: ${vacs(defaults).length}, with it: ${JSON.stringify(vacs(withSnap))}`);
  const noModify = loadAll(withSnap).filter((o) => o.kind === "StorageClass" &&
    o.parameters?.encryption !== "none" &&
    !o.parameters?.["csi.storage.k8s.io/controller-modify-secret-name"]).map(objKey);
  const m5 = "chart: encrypted StorageClasses pass the key Secret to ControllerModifyVolume";
  if (noModify.length === 0) pass(m5);
  else fail(m5, `without controller-modify-secret-name: ${noModify}`);
}

// The cinder-mode class is useless without an encrypted volume type, so the chart makes the
// type mandatory: `defaults` (helm, default values) has no such class; with the class enabled
// and no type, helm exited `rc` with stderr `errFile`; with --set ...type=TYPE, `typed`.
function checkCinderType(defaults, rc, errFile, typed, type) {
  if (!fs.existsSync(defaults)) return fail("chart: cinder-mode class", `${defaults} was not rendered`);
  const cinder = loadAll(defaults).filter((o) => o.kind === "StorageClass" && o.parameters?.encryption === "cinder");
  const n0 = "chart: no cinder-mode StorageClass by default (it needs a volume type)";
  if (cinder.length) fail(n0, `rendered ${cinder.map(objKey)}`);
  else pass(n0);

  const err = fs.readFileSync(errFile, "utf8");
  const n1 = "chart: cinder-mode class without a type is refused, naming storageClasses.cinder.type";
  if (rc === "0") fail(n1, "helm template succeeded");
  else if (!err.includes("storageClasses.cinder.type is required") || !err.includes("encrypted volume type")) {
    fail(n1, `exit ${rc}, but not our message: ${err.trim().split("\n")[0]}`);
  } else pass(n1);

  const n2 = `chart: cinder-mode class with a type renders parameters.type=${type}`;
  let sc;
  try {
    sc = loadAll(typed).find((o) => o.kind === "StorageClass" && o.metadata?.name === "byok-cinder");
  } catch (e) {
    return fail(n2, e.message);
  }
  if (!sc) fail(n2, `no StorageClass byok-cinder: ${fs.readFileSync(typed, "utf8").trim().split("\n")[0]}`);
  else if (sc.parameters?.encryption !== "cinder" || sc.parameters?.type !== type) {
    fail(n2, `parameters ${JSON.stringify(sc.parameters)}`);
  } else pass(n2);
}

// The sidecar image tags the chart pins exist: a sidecar's release tag is its Go module
// version, so the module proxy's version list is the list of image tags that exist.
function checkSidecarVersions(chartDir) {
  const values = YAML.parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8"));
  const modules = {
    "csi-provisioner": "external-provisioner", "csi-attacher": "external-attacher",
    "csi-resizer": "external-resizer", "csi-snapshotter": "external-snapshotter",
    livenessprobe: "livenessprobe", "csi-node-driver-registrar": "node-driver-registrar",
  };
  const go = process.env.GO || "go";
  for (const s of Object.values(values.csi)) {
    const repo = s.image?.repository?.split("/").pop();
    if (!modules[repo]) continue;
    const tag = s.image.tag;
    const major = tag.split(".")[0];
    // livenessprobe and node-driver-registrar tag v2 releases without a /v2 module path.
    const noSuffix = ["livenessprobe", "node-driver-registrar"].includes(modules[repo]);
    const mod = `github.com/kubernetes-csi/${modules[repo]}${noSuffix || major === "v0" || major === "v1" ? "" : "/" + major}`;
    const n = `sidecar ${repo}:${tag} exists (${mod})`;
    const r = spawnSync(go, ["list", "-m", "-versions", mod], { encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod" }, cwd: os.tmpdir() });
    if (r.error) { skip(n, `no go command (${r.error.code})`); continue; }
    const out = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) {
      // A registry's refusal is final: the tag cannot be checked here, which is said, not hidden.
      if (/403|not available|410/.test(out)) skip(n, "the module proxy serves no version of this module here");
      else fail(n, out.trim().split("\n").pop());
      continue;
    }
    const versions = out.trim().split(/\s+/).slice(1);
    if (noSuffix) { skip(n, `the proxy lists ${versions.join(" ") || "no"} v0/v1 versions; v2 tags are not module versions`); continue; }
    if (versions.includes(tag)) pass(n);
    else fail(n, `not among the module's versions: ${versions.join(" ")}`);
  }
}

// The alert example: rendered only where the PrometheusRule API exists (`without` has none,
// `withRule` was rendered with it), and every metric and label value its expressions use is
// one the driver's sources define (a renamed metric would silence the alert).
function checkAlert(without, withRule, root) {
  const rules = (file) => loadAll(file).filter((o) => o.kind === "PrometheusRule");
  const n = "chart: the PrometheusRule alert example renders only with the Prometheus Operator's API";
  if (rules(without).length === 0 && rules(withRule).length === 1) pass(n);
  else fail(n, `without the API: ${rules(without).length}, with it: ${rules(withRule).length}`);
  const sources = ["cmd/key_metrics.cc", "cmd/openstack_metrics.cc", "csi/metrics.cc", "cloud/key_stats.cc"]
    .map((f) => fs.readFileSync(path.join(root, f), "utf8")).join("\n");
  const exprs = rules(withRule).flatMap((r) => r.spec.groups.flatMap((g) => g.rules.map((x) => x.expr)));
  const unknown = [];
  for (const e of exprs) {
    for (const m of e.match(/byok_[a-z_]+/g) || []) if (!sources.includes(`"${m}`)) unknown.push(m);
    for (const v of (e.match(/reason=~"([^"]*)"/)?.[1] || "").split("|").filter(Boolean)) {
      if (!sources.includes(`"${v}"`)) unknown.push(`reason ${v}`);
    }
  }
  const m = "chart: the alert's expressions use only metrics and reasons the driver exports";
  if (exprs.length > 0 && unknown.length === 0) pass(m);
  else fail(m, `unknown: ${unknown.join(", ") || "(no expressions)"}`);
}

// ---------------------------------------------------------------------------------------
const [cmd, ...args] = process.argv.slice(2);
try {
  if (cmd === "k8s") checkK8s(args[0], args[1]);
  else if (cmd === "k8s-negative") checkK8sNegative(args[0]);
  else if (cmd === "values") checkValues(args[0]);
  else if (cmd === "agree") checkAgree(args[0], args[1]);
  else if (cmd === "tenant") checkTenant(args[0], args[1]);
  else if (cmd === "agree-static") checkAgreeStatic(args[0], args[1]);
  else if (cmd === "chart-defects") checkChartDefects(args[0], args[1], args[2], args[3]);
  else if (cmd === "sidecar-versions") checkSidecarVersions(args[0]);
  else if (cmd === "cinder-type") checkCinderType(args[0], args[1], args[2], args[3], args[4]);
  else if (cmd === "alert") checkAlert(args[0], args[1], args[2]);
  else {
    console.error("usage: node check.mjs k8s|values|agree|agree-static ...");
    process.exit(2);
  }
} catch (e) {
  fail(`${cmd} ${args.join(" ")}`, e.stack || e.message);
}
process.exit(failed ? 1 : 0);
