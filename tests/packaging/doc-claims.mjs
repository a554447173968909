// tests/packaging/doc-claims.mjs - the settings the documentation names exist in the code.
// Run by run.sh; prints "PASS <name>" / "FAIL <name>: why" lines and exits 1 on a failure.
//
//   cloud.conf keys   Every key the docs name - the key tables under a `[Global]`,
//                     `[BlockStorage]` or `[Metadata]` heading (first column, header "Key"),
//                     and every `key = value` line (commented ones too) after a section line
//                     in a fenced code block (```ini blocks, and shell heredocs that write a
//                     cloud.conf) - must be a string literal of openstack/cloud_config.cc, the
//                     parser. So must each section name. Also read: the example cloud.conf of
//                     deploy/overlays/example and the chart's ci/*.yaml cloud.conf data.
//   removed keys      ignore-volume-az, ignore-volume-microversion and rescan-on-resize (not
//                     used by the driver) appear in those files only on a line that says they
//                     are not supported (the warning the parser logs for them).
//   driver flags      Every --flag passed to the driver binary must be defined in cmd/*.cc
//                     (ABSL_FLAG, or one of absl's built-in flags). Passed to the driver means:
//                     a command, in a fenced code block or an inline code span, whose command
//                     word is `cinder-byok-csi` or a path ending in /cinder-byok-csi (so
//                     `helm install cinder-byok-csi ...`, `kubectl ... -c cinder-byok-csi`,
//                     byokctl and the sidecars do not count); a docs table whose first header
//                     cell is "Flag"; the args of the `cinder-byok-csi` container in the chart's
//                     templates and in deploy/**/*.yaml; csi.plugin.*Plugin.extraArgs of the
//                     chart's values.yaml and ci/*.yaml.
//
// Documents read: README.md, docs/*.md, charts/cinder-byok-csi/README.md.
// A self-check first runs the same extraction on planted text: an unknown key, a removed key,
// an unknown flag of the driver must be reported, other programs' flags must not.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PARSER = "openstack/cloud_config.cc";
const CHART = "charts/cinder-byok-csi";
const REMOVED_KEYS = ["ignore-volume-az", "ignore-volume-microversion", "rescan-on-resize"];
const SECTIONS = /^(global|blockstorage|metadata)$/i;
// Flags absl defines in every binary that uses absl::ParseCommandLine.
const ABSL_BUILTIN_FLAGS = [
  "help", "helpfull", "helpshort", "helppackage", "helpon", "helpmatch", "version",
  "only_check_args", "flagfile", "fromenv", "tryfromenv", "undefok",
];
const DRIVER_WORD = /(^|\/)cinder-byok-csi$/;

let failed = 0;
const pass = (n) => console.log(`PASS ${n}`);
const fail = (n, why) => { failed++; console.log(`FAIL ${n}: ${why}`); };

const read = (rel) => fs.readFileSync(path.join(ROOT, rel), "utf8");
const exists = (rel) => fs.existsSync(path.join(ROOT, rel));
const listDir = (rel, re) =>
  exists(rel) ? fs.readdirSync(path.join(ROOT, rel)).filter((f) => re.test(f)).sort().map((f) => `${rel}/${f}`) : [];
function walk(rel, re) {
  const out = [];
  if (!exists(rel)) return out;
  for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
    const p = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...walk(p, re));
    else if (re.test(e.name)) out.push(p);
  }
  return out.sort();
}
const lineOf = (text, needle) => {
  const i = text.indexOf(needle);
  return i < 0 ? 0 : text.slice(0, i).split("\n").length;
};

// --- markdown ----------------------------------------------------------------------------
// Fenced blocks, inline code spans, tables (with the heading they sit under).
function parseMarkdown(text) {
  const lines = text.split("\n");
  const blocks = [], spans = [], tables = [];
  let heading = "", fence = null, table = null;
  lines.forEach((line, i) => {
    const n = i + 1;
    const f = /^\s*(```+|~~~+)\s*([\w.+-]*)/.exec(line);
    if (fence) {
      if (f && f[1][0] === fence.marker[0] && f[1].length >= fence.marker.length && !f[2]) {
        blocks.push(fence);
        fence = null;
      } else {
        fence.lines.push({ n, text: line });
      }
      return;
    }
    if (f) {
      fence = { marker: f[1], lang: f[2].toLowerCase(), start: n, lines: [] };
      table = null;
      return;
    }
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) heading = h[1];
    if (/^\s*\|/.test(line)) {
      const cells = line.trim().replace(/^\|/, "").replace(/\|$/, "").split("|").map((c) => c.trim());
      if (!table) {
        table = { heading, header: cells, rows: [], start: n };
        tables.push(table);
      } else if (!cells.every((c) => /^:?-+:?$/.test(c))) {
        table.rows.push({ n, cells });
      }
    } else {
      table = null;
    }
    for (const m of line.matchAll(/`([^`]+)`/g)) spans.push({ n, text: m[1] });
  });
  return { blocks, spans, tables };
}
const codeSpans = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1].trim());

// --- cloud.conf keys ---------------------------------------------------------------------
// `key = value` lines after a section line. In a block that is all INI (wholeIni) every line
// counts; elsewhere the INI region ends at the first line that is neither a section, a key,
// a comment nor blank (the end of a heredoc, the next command).
function iniKeys(lines, wholeIni) {
  const out = [];
  let section = null;
  for (const { n, text } of lines) {
    const t = text.trim();
    const s = /^\[\s*([A-Za-z][\w-]*)(?:\s+"[^"]*")?\s*\]$/.exec(t);
    if (s && (wholeIni || SECTIONS.test(s[1]))) {
      section = s[1];
      out.push({ n, section, key: null });
      continue;
    }
    if (!section || t === "") continue;
    const k = /^([#;]\s*)?([A-Za-z][\w.-]*)\s*=/.exec(t);
    if (k) {
      out.push({ n, section, key: k[2].toLowerCase(), commented: Boolean(k[1]) });
      continue;
    }
    if (/^[#;]/.test(t)) continue;
    if (!wholeIni) section = null;
  }
  return out;
}

// Every key (and section) a markdown document names, as {n, section, key}.
function markdownKeys(text) {
  const md = parseMarkdown(text);
  const out = [];
  for (const b of md.blocks) out.push(...iniKeys(b.lines, b.lang === "ini"));
  for (const t of md.tables) {
    const sec = /\[(Global|BlockStorage|Metadata)\b/i.exec(t.heading);
    if (!sec || t.header[0] !== "Key") continue;
    for (const r of t.rows) {
      for (const k of codeSpans(r.cells[0])) {
        if (/^[a-z][\w.-]*$/i.test(k)) out.push({ n: r.n, section: sec[1], key: k.toLowerCase() });
      }
    }
  }
  return out;
}

// --- driver flags ------------------------------------------------------------------------
// Whitespace split that keeps quoted text in one token.
function tokenize(s) {
  const out = [];
  let cur = "", q = null, any = false;
  for (const c of s) {
    if (q) {
      cur += c;
      if (c === q) q = null;
    } else if (c === "'" || c === '"') {
      q = c; cur += c; any = true;
    } else if (/\s/.test(c)) {
      if (any) out.push(cur);
      cur = ""; any = false;
    } else {
      cur += c; any = true;
    }
  }
  if (any) out.push(cur);
  return out;
}

// The flags of every driver invocation in a shell text (continuation lines already joined).
function driverFlagsInCommand(command) {
  const out = [];
  let tokens = tokenize(command.replace(/^\s*\$\s+/, ""));
  const hash = tokens.findIndex((t) => t.startsWith("#"));
  if (hash >= 0) tokens = tokens.slice(0, hash);
  let seg = [];
  const flush = () => {
    let i = 0;
    while (i < seg.length && (/^[A-Za-z_]\w*=/.test(seg[i]) || ["sudo", "exec", "env", "nohup", "time"].includes(seg[i]))) i++;
    const word = (seg[i] || "").replace(/^["']|["']$/g, "");
    if (DRIVER_WORD.test(word)) {
      for (const t of seg.slice(i + 1)) {
        const m = /^[[("']*--([A-Za-z][\w-]*)/.exec(t);
        if (m) out.push(m[1]);
      }
    }
    seg = [];
  };
  for (let t of tokens) {
    if (["|", "||", "&&", ";", "&", "--"].includes(t)) { flush(); continue; }
    const end = t.endsWith(";");
    if (end) t = t.slice(0, -1);
    seg.push(t);
    if (end) flush();
  }
  flush();
  return out;
}

// Joins `\` continuations; returns [{n, text}] logical lines.
function logicalLines(lines) {
  const out = [];
  let cur = null;
  for (const { n, text } of lines) {
    if (cur) cur.text += " " + text; else cur = { n, text };
    if (/\\\s*$/.test(text)) cur.text = cur.text.replace(/\\\s*$/, "");
    else { out.push(cur); cur = null; }
  }
  if (cur) out.push(cur);
  return out;
}

function markdownFlags(text) {
  const md = parseMarkdown(text);
  const out = [];
  for (const b of md.blocks) {
    if (["yaml", "yml", "json", "ini"].includes(b.lang)) continue;
    for (const l of logicalLines(b.lines)) {
      for (const f of driverFlagsInCommand(l.text)) out.push({ n: l.n, flag: f });
    }
  }
  for (const s of md.spans) for (const f of driverFlagsInCommand(s.text)) out.push({ n: s.n, flag: f });
  for (const t of md.tables) {
    if (!/^flags?$/i.test(t.header[0])) continue;
    for (const r of t.rows) {
      for (const c of codeSpans(r.cells[0])) {
        const m = /^--([A-Za-z][\w-]*)/.exec(c);
        if (m) out.push({ n: r.n, flag: m[1] });
      }
    }
  }
  return out;
}

// The driver container's list items `- "--flag..."` in a Helm template (text: templates are
// not YAML). The container runs from `- name: cinder-byok-csi` to the next line indented no
// deeper than its dash; template-only lines ({{ ... }}) do not end it.
function templateFlags(text) {
  const out = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const c = /^(\s*)- name:\s*["']?cinder-byok-csi["']?\s*$/.exec(lines[i]);
    if (!c) continue;
    const indent = c[1].length;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      const t = l.trim();
      if (t === "" || t.startsWith("{{") || t.startsWith("#")) continue;
      if (l.length - l.trimStart().length <= indent) break;
      const m = /^-\s*["']?--([A-Za-z][\w-]*)/.exec(t);
      if (m) out.push({ n: j + 1, flag: m[1] });
    }
  }
  return out;
}

// Containers named cinder-byok-csi anywhere in parsed YAML documents.
function yamlContainerFlags(docs) {
  const out = [];
  const visit = (o) => {
    if (Array.isArray(o)) return o.forEach(visit);
    if (!o || typeof o !== "object") return;
    if (o.name === "cinder-byok-csi" && (Array.isArray(o.args) || Array.isArray(o.command))) {
      const cmd = Array.isArray(o.command) ? o.command : [];
      const argv = cmd.length && !DRIVER_WORD.test(String(cmd[0])) ? [] : [...cmd.slice(1), ...(o.args || [])];
      for (const a of argv) {
        const m = /^--([A-Za-z][\w-]*)/.exec(String(a));
        if (m) out.push({ flag: m[1], text: String(a) });
      }
    }
    Object.values(o).forEach(visit);
  };
  docs.forEach(visit);
  return out;
}

function loadYamlDocs(text) {
  return YAML.parseAllDocuments(text).filter((d) => !d.errors.length).map((d) => d.toJS()).filter(Boolean);
}

// --- what the code defines -----------------------------------------------------------------
function parserLiterals(text) {
  return new Set([...text.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((m) => m[1].toLowerCase()));
}
function definedFlags(files) {
  const names = new Set(ABSL_BUILTIN_FLAGS);
  let dashes = false;
  for (const f of files) {
    const t = read(f);
    for (const m of t.matchAll(/ABSL_FLAG\s*\(\s*[^,]+,\s*([A-Za-z_]\w*)\s*,/g)) names.add(m[1]);
    if (/NormalizeDashes\s*\(/.test(t)) dashes = true;
  }
  return { names, dashes };
}
const flagKnown = (flag, defs) =>
  defs.names.has(flag) || (defs.dashes && defs.names.has(flag.replace(/-/g, "_")));

// --- the checks, as functions of their inputs (the self-check feeds them planted text) ------
// docs: [{file, text, kind: "md"|"ini"}]; returns {named, problems, removed}.
function checkKeys(docs, literals) {
  const named = new Set(), problems = [], removed = [];
  for (const d of docs) {
    const keys = d.kind === "ini" ? iniKeys(d.text.split("\n").map((text, i) => ({ n: i + 1 + (d.offset || 0), text })), true) : markdownKeys(d.text);
    for (const k of keys) {
      if (k.key === null) {
        if (!literals.has(k.section.toLowerCase())) problems.push(`${d.file}:${k.n}: section [${k.section}] is not one the parser reads`);
        continue;
      }
      if (REMOVED_KEYS.includes(k.key)) continue; // reported below, for the whole text
      named.add(k.key);
      if (!literals.has(k.key)) problems.push(`${d.file}:${k.n}: [${k.section}] ${k.key} is not a key ${PARSER} matches`);
    }
    d.text.split("\n").forEach((l, i) => {
      if (/not supported/.test(l)) return;
      for (const key of REMOVED_KEYS) {
        if (new RegExp(`(^|[^\\w-])${key}([^\\w-]|$)`).test(l)) removed.push(`${d.file}:${i + 1 + (d.offset || 0)}: ${key}`);
      }
    });
  }
  return { named, problems, removed };
}

// sources: [{file, flags: [{n, flag}]}]; returns {named, problems}.
function checkFlags(sources, defs) {
  const named = new Set(), problems = [];
  for (const s of sources) {
    for (const f of s.flags) {
      named.add(f.flag);
      if (!flagKnown(f.flag, defs)) problems.push(`${s.file}:${f.n}: --${f.flag} is not a flag of cinder-byok-csi (cmd/)`);
    }
  }
  return { named, problems };
}

// --- self-check -----------------------------------------------------------------------------
function selfCheck(literals, defs) {
  const name = "doc-claims self-check (planted errors are found, other programs' flags are not)";
  const fakeMd = [
    "## [BlockStorage]",
    "",
    "| Key | Default | Meaning |",
    "| --- | --- | --- |",
    "| `node-volume-attach-limit` | | ok |",
    "| `planted-table-key` | | must be reported |",
    "",
    "```ini",
    "[Global]",
    "auth-url = https://keystone.example.org/v3",
    "planted-ini-key = 1",
    "```",
    "",
    "```bash",
    "cat > cloud.conf <<'EOF'",
    "[Metadata]",
    "# planted-comment-key = 5s",
    "EOF",
    "kubectl create secret generic x --from-file=cloud.conf",
    "cinder-byok-csi --mode=node \\",
    "  --planted-flag=1 [--v=4]",
    "helm install cinder-byok-csi charts/cinder-byok-csi --set a=b --namespace x",
    "kubectl -n kube-system logs p -c cinder-byok-csi --tail=5",
    "image/build-rootfs.sh --binary build/cmd/cinder-byok-csi",
    "kubectl exec p -- /usr/bin/cinder-byok-csi --planted-exec-flag",
    "```",
    "",
    "Run `cinder-byok-csi --planted-span-flag`; `byokctl --endpoint=unix:///x Probe` is not the driver.",
    "An old key: rescan-on-resize.",
  ].join("\n");
  const fakeTemplate = [
    "      containers:",
    "        - name: csi-provisioner",
    "          args:",
    '            - "--csi-address=$(ADDRESS)"',
    "        - name: cinder-byok-csi",
    "          args:",
    '            - "--mode=controller"',
    '            - "--planted-template-flag"',
    "            {{- range .Values.extraArgs }}",
    "            - {{ . | quote }}",
    "            {{- end }}",
    "        - name: livenessprobe",
    "          args:",
    '            - "--health-port=9808"',
  ].join("\n");
  const keys = checkKeys([{ file: "fake.md", text: fakeMd, kind: "md" }], literals);
  const flags = checkFlags([
    { file: "fake.md", flags: markdownFlags(fakeMd) },
    { file: "fake-template.yaml", flags: templateFlags(fakeTemplate) },
  ], defs);
  const want = {
    keys: ["planted-table-key", "planted-ini-key", "planted-comment-key"],
    flags: ["planted-flag", "planted-exec-flag", "planted-span-flag", "planted-template-flag"],
  };
  const errors = [];
  for (const k of want.keys) if (!keys.problems.some((p) => p.endsWith(` ${k} is not a key ${PARSER} matches`))) errors.push(`unknown key ${k} not reported`);
  if (keys.problems.length !== want.keys.length) errors.push(`key problems: ${keys.problems.join("; ")}`);
  if (!keys.removed.some((r) => r.endsWith(": rescan-on-resize"))) errors.push("removed key rescan-on-resize not reported");
  for (const f of want.flags) if (!flags.problems.some((p) => p.includes(`--${f} `))) errors.push(`unknown flag --${f} not reported`);
  if (flags.problems.length !== want.flags.length) errors.push(`flag problems: ${flags.problems.join("; ")}`);
  for (const f of ["mode", "v"]) if (!flags.named.has(f)) errors.push(`driver flag --${f} not extracted`);
  for (const f of ["set", "namespace", "tail", "binary", "endpoint", "csi-address", "health-port", "from-file", "n"]) {
    if (flags.named.has(f)) errors.push(`--${f} (another program's) taken as a driver flag`);
  }
  if (errors.length) fail(name, errors.join("; "));
  else pass(`${name}: ${want.keys.length} keys, 1 removed key, ${want.flags.length} flags`);
  return errors.length === 0;
}

// --- main -----------------------------------------------------------------------------------
const literals = parserLiterals(read(PARSER));
const defs = definedFlags(listDir("cmd", /\.cc$/));
if (defs.names.size === ABSL_BUILTIN_FLAGS.length) fail("doc-claims driver flags", "no ABSL_FLAG definitions found in cmd/*.cc");
selfCheck(literals, defs);

const mdFiles = ["README.md", ...listDir("docs", /\.md$/), `${CHART}/README.md`].filter(exists);
const keyDocs = mdFiles.map((file) => ({ file, text: read(file), kind: "md" }));
if (exists("deploy/overlays/example/cloud.conf")) {
  keyDocs.push({ file: "deploy/overlays/example/cloud.conf", text: read("deploy/overlays/example/cloud.conf"), kind: "ini" });
}
const valuesFiles = [`${CHART}/values.yaml`, ...listDir(`${CHART}/ci`, /\.ya?ml$/)].filter(exists);
const valuesDocs = valuesFiles.map((file) => ({ file, text: read(file), docs: loadYamlDocs(read(file)) }));
for (const v of valuesDocs) {
  for (const d of v.docs) {
    const conf = d?.secret?.data?.["cloud.conf"];
    if (typeof conf === "string") {
      keyDocs.push({ file: `${v.file} (secret.data."cloud.conf")`, text: conf, kind: "ini", offset: lineOf(v.text, "cloud.conf: |") });
    }
  }
}

// cloud.conf keys
{
  const r = checkKeys(keyDocs, literals);
  const fromCloudConfMd = markdownKeys(read("docs/cloud-conf.md")).filter((k) => k.key);
  const n = "doc-claims cloud.conf keys";
  if (fromCloudConfMd.length < 10) fail(n, `only ${fromCloudConfMd.length} keys extracted from docs/cloud-conf.md: the extraction no longer sees its tables`);
  else if (r.problems.length) fail(n, "\n  " + r.problems.join("\n  "));
  else pass(`${n}: ${r.named.size} keys named in ${keyDocs.length} files are all string literals of ${PARSER}`);
  const m = "doc-claims removed cloud.conf keys";
  if (r.removed.length) fail(m, `named again (the driver does not use them): ${r.removed.join(", ")}`);
  else pass(`${m}: ${REMOVED_KEYS.join(", ")} named in none of the ${keyDocs.length} files`);
}

// driver flags
{
  const sources = [];
  for (const file of mdFiles) sources.push({ file, flags: markdownFlags(read(file)) });
  const templates = listDir(`${CHART}/templates`, /\.(ya?ml|tpl)$/);
  const templateFlagCount = {};
  for (const file of templates) {
    const flags = templateFlags(read(file));
    templateFlagCount[file] = flags.length;
    sources.push({ file, flags });
  }
  for (const file of walk("deploy", /\.ya?ml$/)) {
    const text = read(file);
    let docs = [];
    try { docs = loadYamlDocs(text); } catch { /* kustomize patches etc. that are not plain YAML */ }
    sources.push({ file, flags: yamlContainerFlags(docs).map((f) => ({ n: lineOf(text, f.text), flag: f.flag })) });
  }
  for (const v of valuesDocs) {
    const flags = [];
    for (const d of v.docs) {
      for (const p of ["controllerPlugin", "nodePlugin"]) {
        for (const a of d?.csi?.plugin?.[p]?.extraArgs || []) {
          const m = /^--([A-Za-z][\w-]*)/.exec(String(a));
          if (m) flags.push({ n: lineOf(v.text, String(a)), flag: m[1] });
        }
      }
    }
    sources.push({ file: `${v.file} (extraArgs)`, flags });
  }
  const r = checkFlags(sources, defs);
  const n = "doc-claims driver flags";
  const readmeFlags = sources.find((s) => s.file === "README.md")?.flags.length || 0;
  const emptyTemplates = ["controller-deployment.yaml", "node-daemonset.yaml"]
    .map((f) => `${CHART}/templates/${f}`).filter((f) => exists(f) && !templateFlagCount[f]);
  if (readmeFlags === 0) fail(n, "no driver flags extracted from README.md's usage block: the extraction no longer sees it");
  else if (emptyTemplates.length) fail(n, `no driver args extracted from ${emptyTemplates.join(", ")}: the extraction no longer sees the cinder-byok-csi container`);
  else if (r.problems.length) fail(n, "\n  " + r.problems.join("\n  "));
  else pass(`${n}: ${[...r.named].sort().map((f) => "--" + f).join(" ")} (docs, README.md, the chart, deploy/) are defined in cmd/`);
}

process.exit(failed ? 1 : 0);
