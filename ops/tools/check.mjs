// Offline checks of the files in ops/, run by ops/validate.sh (which installs the npm packages used here
// into ops/.tools). Each check prints "ok", "FAIL" or "skip" with what it looked at; the exit status is
// non-zero when any check failed. It also writes ops/.tools/tmp/dashboard-rules.yml (every dashboard
// query as a recording rule) for `promtool check rules`, which parses the PromQL.
//
// What is checked (details in ops/README.md, "Validation"):
//  - every YAML file parses (all documents, duplicate keys are errors); every JSON file parses
//  - Kubernetes manifests: the JSON schemas of kubernetes-models / @kubernetes-models/keda (types,
//    required fields, formats) AND a strict TypeScript type check of each manifest against the same
//    models' type declarations, which rejects unknown or misspelt fields at any depth
//  - kustomization.yaml: known keys, every resource file exists and was checked
//  - consistency between the files (selectors, names, probes, ports, grace periods, KEDA vs config,
//    heap vs KV budget, memory limit vs model + heap)
//  - service config files and PONDER_* variables: every key is one the service knows (read from
//    stream-app's ServiceConfig.java when the source is there)
//  - the Grafana dashboard's structure, and that each ponder_* metric it or alerts.yml uses is one the
//    service registers (read from stream-app's metric sources when they are there)
//  - the Dockerfile: dockerfile-utils' linter, plus the project's own rules (non-root user,
//    HEALTHCHECK, EXPOSE 8080, the JVM flags, COPY sources present and not excluded by the ignore file)
//  - ops/README.md mentions every file of ops/
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const OPS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(OPS, "..");
const TOOLS = process.env.PONDER_OPS_TOOLS || path.join(OPS, ".tools");
const require = createRequire(path.join(TOOLS, "package.json"));
const YAML = require("yaml");
const ts = require("typescript");
const dockerfileUtils = require("dockerfile-utils");

let failures = 0;
const rel = (p) => path.relative(ROOT, p);
function report(status, what, details = []) {
  console.log(`${status.padEnd(4)} ${what}`);
  for (const d of details) console.log(`       ${d}`);
  if (status === "FAIL") failures++;
}
function check(what, problems, note) {
  report(problems.length ? "FAIL" : "ok", what + (note && !problems.length ? ` (${note})` : ""), problems);
}

function walk(dir, keep) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === ".tools" || e.name === "node_modules") continue;
      out.push(...walk(p, keep));
    } else if (keep(p)) out.push(p);
  }
  return out.sort();
}
const opsFiles = walk(OPS, () => true);

// ------------------------------------------------------------------ YAML and JSON syntax
const docsByFile = new Map();
{
  const problems = [];
  const files = opsFiles.filter((f) => /\.ya?ml$/.test(f));
  for (const f of files) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(f, "utf8"), { uniqueKeys: true, strict: true, prettyErrors: true, merge: true });
    const bad = [];
    for (const d of docs) {
      for (const e of [...d.errors, ...d.warnings]) bad.push(`${rel(f)}: ${e.message.split("\n")[0]}`);
    }
    if (bad.length) problems.push(...bad);
    else docsByFile.set(f, docs.map((d) => d.toJS({ maxAliasCount: 100 })).filter((d) => d !== null && d !== undefined));
  }
  check(`YAML syntax of ${files.length} files`, problems, files.map(rel).join(", "));
}
const jsonByFile = new Map();
{
  const problems = [];
  const files = opsFiles.filter((f) => f.endsWith(".json"));
  for (const f of files) {
    try {
      jsonByFile.set(f, JSON.parse(fs.readFileSync(f, "utf8")));
    } catch (e) {
      problems.push(`${rel(f)}: ${e.message}`);
    }
  }
  check(`JSON syntax of ${files.length} files`, problems, files.map(rel).join(", "));
}

// ------------------------------------------------------------------ the service's own names
// Config keys and metric names, read from the service's source when this checkout has it.
const serviceConfigJava = path.join(ROOT, "stream-app/src/main/java/dev/ponder/app/config/ServiceConfig.java");
let knownKeys = null;
if (fs.existsSync(serviceConfigJava)) {
  const src = fs.readFileSync(serviceConfigJava, "utf8");
  knownKeys = new Set([...src.matchAll(/new ConfigKey\(\s*"([a-z0-9.]+)"/g)].map((m) => m[1]));
  if (knownKeys.size === 0) knownKeys = null;
}
const PASS_THROUGH = ["kafka.", "serde."];
const NOT_CONFIG_ENV = new Set(["PONDER_JAVA_OPTS", "PONDER_HOME", "PONDER_LOG_LEVEL", "PONDER_JAVA_HOME"]);
function unknownKeys(keys) {
  if (!knownKeys) return [];
  return keys.filter((k) => !knownKeys.has(k) && !PASS_THROUGH.some((p) => k.startsWith(p)));
}
function flatten(obj, prefix = "", out = []) {
  for (const [k, v] of Object.entries(obj ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out.push([key, v]);
  }
  return out;
}
const envToKey = (name) => name.slice("PONDER_".length).toLowerCase().replaceAll("_", ".");

const metricSources = fs.existsSync(path.join(ROOT, "stream-app/src/main/java"))
  ? walk(path.join(ROOT, "stream-app/src/main/java"), (f) => f.endsWith(".java"))
  : [];
const serviceMetrics = new Set();
for (const f of metricSources) {
  for (const m of fs.readFileSync(f, "utf8").matchAll(/"(ponder\.[a-z0-9.]+)"/g)) serviceMetrics.add(m[1].replaceAll(".", "_"));
}

// ------------------------------------------------------------------ Kubernetes manifests
const K8S = path.join(OPS, "k8s");
const k8sFiles = [...docsByFile.keys()].filter((f) => f.startsWith(K8S + path.sep));
const manifests = []; // {file, index, doc}
for (const f of k8sFiles) docsByFile.get(f).forEach((doc, index) => manifests.push({ file: f, index, doc }));

function modelModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "keda.sh") return `@kubernetes-models/keda/keda.sh/${version}/${kind}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`;
  return `kubernetes-models/${group ? group + "/" : ""}${version}/${kind}`;
}
{
  const problems = [];
  let checked = 0;
  const tsParts = ["// generated by ops/tools/check.mjs: each manifest typed as its Kubernetes model"];
  const lineOwner = []; // [startLine, endLine, label]
  let line = 2;
  for (const m of manifests) {
    const label = `${rel(m.file)} (document ${m.index + 1}${m.doc?.kind ? ", " + m.doc.kind : ""})`;
    if (!m.doc || typeof m.doc !== "object") {
      problems.push(`${label}: not a mapping`);
      continue;
    }
    if (m.doc.kind === "Kustomization") continue;
    const { apiVersion, kind, metadata } = m.doc;
    if (!apiVersion || !kind || !metadata?.name) {
      problems.push(`${label}: apiVersion, kind and metadata.name are required`);
      continue;
    }
    const mod = modelModule(apiVersion, kind);
    let Model;
    try {
      Model = require(mod)[kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      problems.push(`${label}: no schema for ${apiVersion} ${kind} (unknown API version or kind)`);
      continue;
    }
    try {
      new Model(m.doc).validate();
    } catch (e) {
      problems.push(`${label}: schema: ${e.message}`);
    }
    const n = checked++;
    const body = `import type { I${kind} as T${n} } from "${mod}";\nexport const m${n}: T${n} = ${JSON.stringify(m.doc, null, 2)};\n`;
    const lines = body.split("\n").length - 1;
    lineOwner.push([line, line + lines - 1, label]);
    line += lines;
    tsParts.push(body.trimEnd());
  }
  // Strict type check: object literals may not have properties their type lacks, so a misspelt or
  // misplaced field anywhere in a manifest is an error (the JSON schemas above allow unknown fields).
  const tmp = path.join(TOOLS, "tmp");
  fs.mkdirSync(tmp, { recursive: true });
  const tsFile = path.join(tmp, "k8s-manifests.ts");
  fs.writeFileSync(tsFile, tsParts.join("\n") + "\n");
  const program = ts.createProgram([tsFile], {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
  });
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, " ");
    let where = "typescript";
    if (d.file && d.start !== undefined) {
      const l = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
      const owner = lineOwner.find(([a, b]) => l >= a && l <= b);
      const snippet = d.file.text.split("\n")[l - 1].trim();
      where = owner ? `${owner[2]} near ${snippet}` : `${path.basename(d.file.fileName)}:${l}`;
    }
    problems.push(`${where}: ${msg}`);
  }
  check(`Kubernetes schemas and strict field check of ${checked} manifests`, problems,
    "kubernetes-models JSON schemas + TypeScript excess-property check");
}

// ------------------------------------------------------------------ kustomization
{
  const problems = [];
  const kfile = path.join(K8S, "kustomization.yaml");
  const k = docsByFile.get(kfile)?.[0];
  const allowed = new Set(["apiVersion", "kind", "namespace", "labels", "commonLabels", "commonAnnotations", "resources",
    "images", "configMapGenerator", "secretGenerator", "patches", "replicas", "namePrefix", "nameSuffix", "components"]);
  if (!k) problems.push("ops/k8s/kustomization.yaml is missing or unparsable");
  else {
    if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") problems.push("apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization");
    for (const key of Object.keys(k)) if (!allowed.has(key)) problems.push(`unknown key '${key}'`);
    const listed = new Set();
    for (const r of k.resources ?? []) {
      const p = path.join(K8S, r);
      listed.add(p);
      if (!fs.existsSync(p)) problems.push(`resource ${r} does not exist`);
      else if (!k8sFiles.includes(p)) problems.push(`resource ${r} was not checked`);
    }
    for (const f of k8sFiles) {
      if (f !== kfile && path.dirname(f) === K8S && !listed.has(f)) problems.push(`${rel(f)} is not listed in resources`);
    }
    const namespaced = manifests.filter((m) => m.doc?.metadata?.namespace);
    for (const m of namespaced) problems.push(`${rel(m.file)}: sets metadata.namespace; leave it to kustomization's namespace`);
  }
  check("kustomization.yaml: keys, resources exist and are all listed", problems);
}

// ------------------------------------------------------------------ consistency of the Kubernetes files
const byKind = (kind) => manifests.filter((m) => m.doc?.kind === kind).map((m) => m.doc);
const parseQuantity = (q) => {
  const m = String(q).match(/^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/);
  if (!m) return NaN;
  const mult = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 }[m[2]] ?? 1;
  return Number(m[1]) * mult;
};
const parseSize = (s) => { // the service's byte sizes: 16g, 512m, 1024k (powers of 1024)
  const m = String(s).toLowerCase().match(/^([0-9]+)\s*([kmg]?)(i?b)?$/);
  return m ? Number(m[1]) * (m[2] ? 1024 ** (" kmg".indexOf(m[2])) : 1) : NaN;
};
const heapOf = (opts) => {
  const m = String(opts ?? "").match(/-Xmx([0-9]+)([kKmMgG]?)/);
  return m ? Number(m[1]) * (m[2] ? 1024 ** (" kmg".indexOf(m[2].toLowerCase())) : 1) : NaN;
};
// QwQ-32B Q4_K_M: ~19.9 GB of weights, mapped into the page cache of the pod.
const MODEL_BYTES = 19.9e9;
let k8sConfig = null;
{
  const problems = [];
  const sts = byKind("StatefulSet")[0];
  const svc = byKind("Service")[0];
  const pdb = byKind("PodDisruptionBudget")[0];
  const so = byKind("ScaledObject")[0];
  const cm = byKind("ConfigMap").find((c) => c.data?.["ponder.yaml"]);
  if (!sts || !svc || !pdb || !so || !cm) problems.push("expected a StatefulSet, a Service, a PodDisruptionBudget, a ScaledObject and the ponder-config ConfigMap");
  else {
    try {
      k8sConfig = YAML.parse(cm.data["ponder.yaml"], { uniqueKeys: true });
    } catch (e) {
      problems.push(`ConfigMap ponder.yaml does not parse: ${e.message}`);
    }
    const podLabels = sts.spec.template.metadata.labels;
    const matches = (sel) => Object.entries(sel ?? {}).every(([k, v]) => podLabels[k] === v) && Object.keys(sel ?? {}).length > 0;
    if (!matches(sts.spec.selector.matchLabels)) problems.push("StatefulSet selector does not match its pod labels");
    if (!matches(svc.spec.selector)) problems.push("Service selector does not match the pod labels");
    if (!matches(pdb.spec.selector.matchLabels)) problems.push("PodDisruptionBudget selector does not match the pod labels");
    if (sts.spec.serviceName !== svc.metadata.name) problems.push("StatefulSet serviceName is not the Service's name");
    if (svc.spec.clusterIP !== "None") problems.push("the StatefulSet's governing Service must be headless");
    if (sts.spec.replicas !== undefined) problems.push("StatefulSet sets replicas, which KEDA owns");
    const c = sts.spec.template.spec.containers.find((x) => x.name === "ponder");
    const port = c?.ports?.find((p) => p.name === "http");
    if (port?.containerPort !== 8080) problems.push("container port 'http' must be 8080 (http.port)");
    if (c?.livenessProbe?.httpGet?.path !== "/health") problems.push("livenessProbe must GET /health");
    if (c?.readinessProbe?.httpGet?.path !== "/ready") problems.push("readinessProbe must GET /ready");
    if (c?.startupProbe?.httpGet?.path !== "/health") problems.push("startupProbe must GET /health");
    const volumeNames = new Set([...(sts.spec.template.spec.volumes ?? []).map((v) => v.name),
      ...(sts.spec.volumeClaimTemplates ?? []).map((v) => v.metadata.name)]);
    for (const vm of c?.volumeMounts ?? []) if (!volumeNames.has(vm.name)) problems.push(`volumeMount ${vm.name} has no volume`);
    const cmVol = sts.spec.template.spec.volumes.find((v) => v.configMap);
    if (cmVol?.configMap?.name !== cm.metadata.name) problems.push("the config volume does not use the ponder-config ConfigMap");
    const pvcNames = new Set(byKind("PersistentVolumeClaim").map((p) => p.metadata.name));
    for (const v of sts.spec.template.spec.volumes) {
      if (v.persistentVolumeClaim && !pvcNames.has(v.persistentVolumeClaim.claimName)) problems.push(`PVC ${v.persistentVolumeClaim.claimName} is not defined`);
    }
    if (k8sConfig) {
      const cfg = Object.fromEntries(flatten(k8sConfig));
      const stateMount = c.volumeMounts.find((vm) => vm.name === "state")?.mountPath;
      if (cfg["kafka.state.dir"] !== stateMount) problems.push(`kafka.state.dir (${cfg["kafka.state.dir"]}) is not the state volume's mount (${stateMount})`);
      const graceS = Number(cfg["shutdown.grace.ms"] ?? 30000) / 1000;
      const tgps = sts.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      if (tgps < graceS + 60) problems.push(`terminationGracePeriodSeconds ${tgps} < shutdown.grace.ms (${graceS} s) + 60 s for closing Kafka Streams`);
      const trig = so.spec.triggers.find((t) => t.type === "kafka")?.metadata ?? {};
      if (trig.consumerGroup !== (cfg["kafka.application.id"] ?? "ponder")) problems.push("KEDA consumerGroup is not kafka.application.id");
      if (trig.topic !== (cfg["topics.requests"] ?? "ponder.requests")) problems.push("KEDA topic is not topics.requests");
      if (trig.bootstrapServers !== cfg["kafka.bootstrap.servers"]) problems.push("KEDA bootstrapServers differ from kafka.bootstrap.servers");
      if (so.spec.scaleTargetRef.kind !== "StatefulSet" || so.spec.scaleTargetRef.name !== sts.metadata.name) problems.push("ScaledObject does not target the StatefulSet");
      if (!(so.spec.maxReplicaCount >= so.spec.minReplicaCount)) problems.push("maxReplicaCount < minReplicaCount");
      if (trig.allowIdleConsumers !== "false") problems.push("KEDA allowIdleConsumers should be \"false\" (no pods beyond the partitions)");
      const env = Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      const heap = heapOf(env.PONDER_JAVA_OPTS);
      const kv = parseSize(cfg["engine.kv.budget.bytes"] ?? "1g");
      if (!(heap > kv)) problems.push(`heap (-Xmx in PONDER_JAVA_OPTS) must exceed engine.kv.budget.bytes`);
      const limit = parseQuantity(c.resources?.limits?.memory);
      const request = parseQuantity(c.resources?.requests?.memory);
      if (!(limit >= heap + MODEL_BYTES + 2 ** 30)) problems.push(`memory limit ${c.resources?.limits?.memory} < heap + model (19.9 GB) + 1 GiB`);
      if (request !== limit || c.resources?.requests?.cpu !== c.resources?.limits?.cpu) problems.push("requests should equal limits (Guaranteed QoS)");
      const threadsEnv = (c.env ?? []).find((e) => e.name === "PONDER_ENGINE_THREADS");
      if (!threadsEnv && !cfg["engine.threads"]) problems.push("engine.threads is set neither in the config nor by PONDER_ENGINE_THREADS");
    }
  }
  check("Kubernetes files agree with each other and with the service config", problems,
    "selectors, serviceName, probes, port 8080, volumes, state dir, grace period, KEDA group/topic/brokers, heap vs KV budget, memory limit");
}

// ------------------------------------------------------------------ service config keys
{
  const problems = [];
  const composeFile = path.join(OPS, "docker-compose.yml");
  const compose = docsByFile.get(composeFile)?.[0];
  const files = [
    ["ops/config/ponder.yaml", docsByFile.get(path.join(OPS, "config/ponder.yaml"))?.[0]],
    ["ops/k8s/configmap.yaml (ponder.yaml)", k8sConfig],
  ];
  for (const [name, cfg] of files) {
    if (!cfg) {
      problems.push(`${name}: missing`);
      continue;
    }
    for (const k of unknownKeys(flatten(cfg).map(([k]) => k))) problems.push(`${name}: unknown setting ${k}`);
    const flat = Object.fromEntries(flatten(cfg));
    for (const need of ["kafka.bootstrap.servers", "kafka.application.id", "serde.schema.registry.url", "topics.requests",
      "topics.reasoning", "topics.answers", "topics.dead.letter", "engine.model"]) {
      if (!flat[need]) problems.push(`${name}: ${need} is not set`);
    }
  }
  const envNames = [];
  for (const [sname, s] of Object.entries(compose?.services ?? {})) {
    for (const name of Object.keys(s.environment ?? {})) if (name.startsWith("PONDER_")) envNames.push([`compose ${sname}`, name]);
  }
  for (const sts of byKind("StatefulSet")) {
    for (const c of sts.spec.template.spec.containers) for (const e of c.env ?? []) if (e.name.startsWith("PONDER_")) envNames.push([`StatefulSet ${c.name}`, e.name]);
  }
  for (const [where, name] of envNames) {
    if (NOT_CONFIG_ENV.has(name)) continue;
    for (const k of unknownKeys([envToKey(name)])) problems.push(`${where}: ${name} maps to unknown setting ${k}`);
  }
  if (knownKeys) check(`service settings: config files and ${envNames.length} PONDER_* variables use known keys`, problems,
    `${knownKeys.size} keys read from ${rel(serviceConfigJava)}`);
  else report("skip", "service settings (stream-app's ServiceConfig.java not found)");
}

// ------------------------------------------------------------------ compose file references
{
  const problems = [];
  const compose = docsByFile.get(path.join(OPS, "docker-compose.yml"))?.[0];
  const services = compose?.services ?? {};
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const src = typeof v === "string" ? v.split(":")[0] : v.source;
      if (!src || !(src.startsWith(".") || src.startsWith("/"))) continue; // named volume
      const resolved = path.resolve(OPS, src.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1"));
      if (!fs.existsSync(resolved)) problems.push(`${name}: volume source ${src} does not exist`);
    }
    if (s.build) {
      const ctx = path.resolve(OPS, s.build.context ?? ".");
      if (!fs.existsSync(path.join(ctx, s.build.dockerfile ?? "Dockerfile"))) problems.push(`${name}: Dockerfile not found from build context`);
    }
  }
  const ponder = services.ponder;
  if (!ponder) problems.push("no ponder service");
  else if (!((ponder.deploy?.replicas ?? 1) >= 2)) problems.push("ponder needs 2 or more replicas");
  for (const need of ["kafka", "schema-registry", "topics", "prometheus", "grafana"]) if (!services[need]) problems.push(`no ${need} service`);
  check("docker-compose.yml: services, bind-mount sources, build context", problems);
}

// ------------------------------------------------------------------ Grafana dashboard and metric names
const promExprs = []; // [label, expr]
{
  const problems = [];
  const file = path.join(OPS, "grafana/dashboards/ponder.json");
  const dash = jsonByFile.get(file);
  if (!dash) problems.push("ops/grafana/dashboards/ponder.json is missing or unparsable");
  else {
    if (!dash.uid || !dash.title || !Array.isArray(dash.panels)) problems.push("uid, title and panels are required");
    const vars = new Set((dash.templating?.list ?? []).map((v) => v.name));
    const builtin = new Set(["__rate_interval", "__interval", "__range"]);
    const ids = new Set();
    for (const p of dash.panels ?? []) {
      const label = `panel ${p.id} "${p.title}"`;
      if (ids.has(p.id)) problems.push(`${label}: duplicate id`);
      ids.add(p.id);
      const g = p.gridPos;
      if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) problems.push(`${label}: gridPos outside the 24-column grid`);
      if (p.type === "row") continue;
      if (!p.datasource) problems.push(`${label}: no datasource`);
      if (!p.targets?.length) problems.push(`${label}: no queries`);
      for (const t of p.targets ?? []) {
        if (!t.expr) problems.push(`${label} ${t.refId}: empty query`);
        for (const m of String(t.expr).matchAll(/\$\{?([A-Za-z_]+)/g)) {
          if (!vars.has(m[1]) && !builtin.has(m[1])) problems.push(`${label}: unknown variable $${m[1]}`);
        }
        promExprs.push([`dashboard ${label} ${t.refId}`, t.expr]);
      }
    }
  }
  check("Grafana dashboard structure (ids, grid, datasources, queries, variables)", problems,
    `${promExprs.length} queries`);
  // Every dashboard query as a recording rule with Grafana's variables replaced, for promtool.
  const subst = (e) => e.replaceAll("$__rate_interval", "5m").replaceAll("$instance", ".*").replaceAll("$requests_topic", "ponder.requests");
  const rules = { groups: [{ name: "dashboard-queries", rules: promExprs.map(([, e], i) => ({ record: `ponder_dashboard_check:q${i}`, expr: subst(e) })) }] };
  fs.mkdirSync(path.join(TOOLS, "tmp"), { recursive: true });
  fs.writeFileSync(path.join(TOOLS, "tmp", "dashboard-rules.yml"), YAML.stringify(rules));
}
{
  const alerts = docsByFile.get(path.join(OPS, "prometheus/alerts.yml"))?.[0];
  const exprs = [...promExprs];
  for (const g of alerts?.groups ?? []) for (const r of g.rules ?? []) exprs.push([`alert ${r.alert}`, r.expr]);
  const used = new Map();
  for (const [label, e] of exprs) for (const m of String(e).matchAll(/\b([a-z_][a-z0-9_]*)\b/g)) {
    if (/^(ponder|kafka|jvm|process|system)_/.test(m[1]) && !m[1].startsWith("ponder_dashboard_check")) {
      if (!used.has(m[1])) used.set(m[1], label);
    }
  }
  const base = (n) => n.replace(/_seconds_(bucket|count|sum|max)$/, "").replace(/_(total|bucket|count|sum|max)$/, "");
  const ponderNames = [...used.keys()].filter((n) => n.startsWith("ponder_"));
  const other = [...used.keys()].filter((n) => !n.startsWith("ponder_")).sort();
  if (serviceMetrics.size) {
    const problems = ponderNames.filter((n) => !serviceMetrics.has(base(n)) && !serviceMetrics.has(n))
      .map((n) => `${n} (in ${used.get(n)}) is not registered by the service (no "${base(n).replaceAll("_", ".")}" in stream-app)`);
    check(`metric names: ${ponderNames.length} ponder_* names used by the dashboard and alerts exist in the service`, problems,
      `read from ${metricSources.length} stream-app sources`);
  } else report("skip", "ponder_* metric names (stream-app sources not found)");
  // Names Micrometer's binders really export, listed by MetricNames.java (run by validate.sh just before).
  const namesFile = path.join(TOOLS, "tmp", "metric-names.txt");
  // Exported only once partitions are assigned (per-partition lag): absent from a client never started.
  const dynamic = new Set(["kafka_consumer_fetch_manager_records_lag"]);
  if (fs.existsSync(namesFile)) {
    const exported = new Set(fs.readFileSync(namesFile, "utf8").split("\n").filter(Boolean));
    const problems = other.filter((n) => !exported.has(n) && !dynamic.has(n))
      .map((n) => `${n} (in ${used.get(n)}) is not exported by the service's Micrometer binders`);
    // ponder_* meters that MetricNames.java could create (the job metrics): the exact name, suffix included.
    for (const n of ponderNames) {
      const family = [...exported].filter((e) => base(e) === base(n));
      if (family.length && !exported.has(n)) problems.push(`${n} (in ${used.get(n)}): the service exports ${family.join(", ")}`);
    }
    check(`metric names: ${other.length} Kafka Streams/JVM names (and the job metrics' exact suffixes) used by the dashboard and alerts are exported`, problems,
      `compared with ${exported.size} names from ops/tools/MetricNames.java; per-partition only, unchecked: ${[...dynamic].join(", ")}`);
  } else {
    report("skip", `Kafka/JVM metric names (no ops/.tools/tmp/metric-names.txt: needs the built jar and a JDK 25): ${other.join(", ")}`);
  }
}

// ------------------------------------------------------------------ Dockerfile
{
  const problems = [];
  const warnings = [];
  const file = path.join(OPS, "Dockerfile");
  const text = fs.readFileSync(file, "utf8");
  for (const d of dockerfileUtils.validate(text, {})) {
    const msg = `line ${d.range.start.line + 1}: ${d.message}`;
    (d.severity === 1 ? problems : warnings).push(msg);
  }
  // Logical instructions (continuation lines joined).
  const instr = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
    .map((l) => { const [op, ...rest] = l.split(/\s+/); return { op: op.toUpperCase(), args: rest.join(" ") }; });
  const stages = instr.filter((i) => i.op === "FROM");
  const finalStage = instr.slice(instr.lastIndexOf(stages[stages.length - 1]));
  if (stages.length < 2) problems.push("expected a multi-stage build");
  if (!/temurin:25-jdk/.test(text) || !/temurin:25-jre/.test(text)) problems.push("expected eclipse-temurin 25 JDK (build) and JRE (runtime) images");
  const user = finalStage.filter((i) => i.op === "USER").pop();
  if (!user || /^(root|0)(:|$)/.test(user.args)) problems.push("the final stage must switch to a non-root USER");
  if (!finalStage.some((i) => i.op === "HEALTHCHECK" && i.args.includes("/health"))) problems.push("no HEALTHCHECK on /health");
  if (!finalStage.some((i) => i.op === "EXPOSE" && i.args.split(/\s+/).includes("8080"))) problems.push("no EXPOSE 8080");
  if (!finalStage.some((i) => i.op === "ENTRYPOINT")) problems.push("no ENTRYPOINT");
  const entry = fs.readFileSync(path.join(OPS, "docker/entrypoint.sh"), "utf8");
  for (const flag of ["--add-modules jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "exec java"]) {
    if (!entry.includes(flag)) problems.push(`ops/docker/entrypoint.sh lacks ${flag}`);
  }
  // COPY sources must exist in the context (the repository root) and survive the ignore file.
  const ignore = fs.readFileSync(path.join(OPS, "Dockerfile.dockerignore"), "utf8").split("\n").map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const globRe = (g) => new RegExp("^" + g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "(.*/)?").replace(/\*\*/g, ".*")
    .replace(/(?<!\.)\*/g, "[^/]*").replace(/\?/g, "[^/]") + "(/.*)?$");
  const ignored = (p) => {
    let out = false;
    for (const pat of ignore) {
      const neg = pat.startsWith("!");
      if (globRe(neg ? pat.slice(1) : pat).test(p)) out = !neg;
    }
    return out;
  };
  for (const i of instr.filter((x) => (x.op === "COPY" || x.op === "ADD") && !/--from=/.test(x.args))) {
    const parts = i.args.split(/\s+/).filter((a) => !a.startsWith("--"));
    for (const src of parts.slice(0, -1)) {
      if (src === ".") continue;
      const clean = src.replace(/\/$/, "");
      if (!fs.existsSync(path.join(ROOT, clean))) problems.push(`COPY source ${src} does not exist in the repository`);
      else if (ignored(clean)) problems.push(`COPY source ${src} is excluded by ops/Dockerfile.dockerignore`);
    }
  }
  for (const must of ["mvnw", "pom.xml", "stream-app/pom.xml", "models/tiny-reasoner-q8_0.gguf"]) {
    if (ignored(must)) problems.push(`${must} is excluded by the ignore file but the build needs it`);
  }
  check("Dockerfile: dockerfile-utils lint + multi-stage, non-root, HEALTHCHECK, EXPOSE 8080, JVM flags, COPY sources", problems,
    warnings.length ? `${warnings.length} linter warnings: ${warnings.join("; ")}` : "no linter warnings");
}

// ------------------------------------------------------------------ example jobs
{
  const problems = [];
  const file = path.join(OPS, "examples/jobs.jsonl");
  const avsc = path.join(ROOT, "schemas/src/main/avro/ReasoningRequest.avsc");
  const fields = fs.existsSync(avsc) ? new Set(JSON.parse(fs.readFileSync(avsc, "utf8")).fields.map((f) => f.name)) : null;
  const ids = new Set();
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
  lines.forEach((l, i) => {
    let job;
    try {
      job = JSON.parse(l);
    } catch (e) {
      return problems.push(`line ${i + 1}: ${e.message}`);
    }
    if (typeof job.request_id !== "string" || !job.request_id) problems.push(`line ${i + 1}: no request_id`);
    if (ids.has(job.request_id)) problems.push(`line ${i + 1}: duplicate request_id ${job.request_id}`);
    ids.add(job.request_id);
    if (!job.prompt === !job.messages) problems.push(`line ${i + 1}: give exactly one of prompt and messages`);
    for (const k of Object.keys(job)) if (fields && !fields.has(k)) problems.push(`line ${i + 1}: ${k} is not a ReasoningRequest field`);
  });
  check(`ops/examples/jobs.jsonl: ${lines.length} jobs, JSON, unique ids, fields of ReasoningRequest`, problems,
    fields ? `fields from ${rel(avsc)}` : "schema not found: fields unchecked");
}

// ------------------------------------------------------------------ README covers every file
{
  const readme = fs.readFileSync(path.join(OPS, "README.md"), "utf8");
  const problems = opsFiles.map((f) => path.relative(OPS, f)).filter((f) => f !== "README.md")
    .filter((f) => !readme.includes(f) && !readme.includes(path.basename(f) === f ? f : "`" + f + "`"))
    .map((f) => `ops/${f} is not described in ops/README.md`);
  check(`ops/README.md describes all ${opsFiles.length - 1} other files of ops/`, problems);
}

console.log(failures ? `check.mjs: ${failures} check(s) failed` : "check.mjs: all checks passed");
process.exit(failures ? 1 : 0);
