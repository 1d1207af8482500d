#!/usr/bin/env bash
# Validates everything in ops/ that can be validated without a container engine, a Kubernetes cluster
# or internet access (beyond the npm registry and Debian's package archive, for the tools).
# Exits non-zero if any check fails. What each step checks: ops/README.md, "Validation".
#
# Tools are installed on first use, into ops/.tools (git-ignored), so a fresh machine needs only bash,
# Node.js with npm, curl, and Debian's apt (for shellcheck and promtool):
#   - npm packages pinned in ops/tools/package.json + package-lock.json (YAML parser, Kubernetes
#     schemas, TypeScript, dclint, dockerfile-utils), installed with `npm ci`
#   - shellcheck and promtool from Debian packages (`apt-get download` + `dpkg-deb -x`, no system
#     install; `apt-get update` first when the package lists are empty and we are root)
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash ops/validate.sh [--offline] [--live] [--help]

Runs every offline check of ops/: YAML/JSON syntax, Kubernetes schemas (+ strict field check),
kustomization, cross-file consistency, config keys and metric names against the service's source,
the Grafana dashboard, Docker Compose schema + lint, Prometheus config/rules and dashboard PromQL
(promtool), Dockerfile lint, bash -n + shellcheck, behaviour tests of the scripts.

  --offline   do not install anything; use the tools already in ops/.tools or on PATH
              (steps whose tool is missing then fail)
  --live      also run ops/tools/live-test.sh: a real Kafka broker, Apicurio Registry and two
              `ponder run` replicas on 127.0.0.1 (needs the built jar and a JDK 25; ~2-3 minutes)
EOF
}

offline=false
live=false
for a in "$@"; do
  case "$a" in
    --offline) offline=true ;;
    --live) live=true ;;
    -h|--help) usage; exit 0 ;;
    *) echo "validate.sh: unknown option '$a' (see --help)" >&2; exit 2 ;;
  esac
done

OPS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$OPS/.." && pwd)"
TOOLS="$OPS/.tools"
cd "$ROOT"

passed=0
failed=0
skipped=0
failed_steps=()
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# step NAME COMMAND...: runs a check, shows its output indented, records the result.
step() {
  local name="$1"; shift
  echo "== $name"
  if "$@" >"$log" 2>&1; then
    sed 's/^/   /' "$log"
    passed=$((passed + 1))
    echo "   -> ok"
  else
    sed 's/^/   /' "$log"
    failed=$((failed + 1))
    failed_steps+=("$name")
    echo "   -> FAILED"
  fi
}
skip() {
  echo "== $1"
  echo "   -> skipped: $2"
  skipped=$((skipped + 1))
}

# ------------------------------------------------------------------ tools
install_npm_tools() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "node and npm are needed (Debian: apt-get install nodejs npm)"; return 1
  fi
  mkdir -p "$TOOLS"
  if [ -d "$TOOLS/node_modules" ] && cmp -s "$OPS/tools/package-lock.json" "$TOOLS/package-lock.json"; then
    echo "npm tools already installed in ops/.tools"
    return 0
  fi
  $offline && { echo "npm tools missing and --offline given"; return 1; }
  cp "$OPS/tools/package.json" "$OPS/tools/package-lock.json" "$TOOLS/" || return 1
  (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  echo "installed: $(cd "$TOOLS" && npm ls --depth=0 2>/dev/null | tail -n +2 | tr -d '│├└─ ' | tr '\n' ' ')"
}

# deb_tool BINARY PACKAGE: puts BINARY on PATH, from PATH, ops/.tools/deb, or the Debian package.
deb_tool() {
  local bin="$1" pkg="$2"
  export PATH="$TOOLS/deb/usr/bin:$PATH"
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version >/dev/null 2>&1; then
    echo "$bin: $(command -v "$bin")"
    return 0
  fi
  $offline && { echo "$bin missing and --offline given"; return 1; }
  command -v apt-get >/dev/null 2>&1 || { echo "$bin is missing and this is not a Debian-like system: install $pkg"; return 1; }
  local dl="$TOOLS/deb-download"
  mkdir -p "$dl" "$TOOLS/deb"
  chmod 777 "$dl" 2>/dev/null || true   # apt's sandbox user writes the download
  if ! (cd "$dl" && apt-get download "$pkg") 2>&1; then
    if [ "$(id -u)" = "0" ]; then
      { apt-get update -qq && (cd "$dl" && apt-get download "$pkg"); } || return 1
    else
      echo "apt-get download $pkg failed; run 'apt-get update' as root, or install $pkg"; return 1
    fi
  fi
  local deb
  deb="$(find "$dl" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n 1)"
  [ -n "$deb" ] || { echo "no $pkg package was downloaded"; return 1; }
  dpkg-deb -x "$deb" "$TOOLS/deb" || return 1
  "$bin" --version >/dev/null 2>&1 || { echo "$bin from the $pkg package does not run here"; return 1; }
  echo "$bin: extracted from Debian package $pkg into ops/.tools/deb"
}

step "tools: npm packages (ops/tools/package.json) into ops/.tools" install_npm_tools
step "tools: shellcheck (Debian package shellcheck)" deb_tool shellcheck shellcheck
step "tools: promtool (Debian package prometheus)" deb_tool promtool prometheus
export PATH="$TOOLS/deb/usr/bin:$TOOLS/node_modules/.bin:$PATH"

# ------------------------------------------------------------------ shell scripts
mapfile -t shell_files < <(find "$OPS" -path "$TOOLS" -prune -o -name '*.sh' -type f -print | sort)
bash_syntax() {
  local f rc=0
  for f in "${shell_files[@]}"; do
    if bash -n "$f"; then echo "ok   ${f#"$ROOT"/}"; else rc=1; fi
  done
  return $rc
}
step "bash -n on ${#shell_files[@]} shell scripts" bash_syntax
if command -v shellcheck >/dev/null 2>&1; then
  step "shellcheck on ${#shell_files[@]} shell scripts" shellcheck --severity=style --external-sources "${shell_files[@]}"
else
  skip "shellcheck" "shellcheck is not available"
fi

# ------------------------------------------------------------------ files: YAML, JSON, Kubernetes, ...
# The metric names Micrometer really exports (Kafka Streams, JVM, job metrics), from the built jar; check.mjs
# compares the dashboard's and alerts' names with them.
mkdir -p "$TOOLS/tmp"
rm -f "$TOOLS/tmp/metric-names.txt"
jar="$ROOT/stream-app/target/ponder.jar"
jdk=""
if [ -x "$ROOT/.mvn/find-jdk25" ]; then jdk="$("$ROOT/.mvn/find-jdk25" 2>/dev/null || true)"; fi
if [ -f "$jar" ] && [ -n "$jdk" ]; then
  metric_names() {
    "$jdk/bin/java" -cp "$jar" "$OPS/tools/MetricNames.java" >"$TOOLS/tmp/metric-names.txt" 2>"$TOOLS/tmp/metric-names.err" \
      || { cat "$TOOLS/tmp/metric-names.err"; rm -f "$TOOLS/tmp/metric-names.txt"; return 1; }
    echo "$(wc -l <"$TOOLS/tmp/metric-names.txt") metric names exported (ops/.tools/tmp/metric-names.txt)"
  }
  step "metric names exported by Micrometer's binders in the built jar (ops/tools/MetricNames.java)" metric_names
else
  skip "metric names from the built jar" "needs stream-app/target/ponder.jar (./mvnw -q -DskipTests package) and a JDK 25"
fi

if [ -d "$TOOLS/node_modules" ]; then
  step "ops/tools/check.mjs: YAML, JSON, Kubernetes schemas, consistency, config keys, dashboard, metric names, Dockerfile, README" \
    node "$OPS/tools/check.mjs"
  step "docker-compose.yml: Compose schema and lint (dclint)" \
    dclint --config "$OPS/tools/dclint.json" "$OPS/docker-compose.yml"
else
  skip "file checks and compose lint" "npm tools are not installed"
fi

if command -v promtool >/dev/null 2>&1; then
  step "Prometheus config and alert rules (promtool check config)" promtool check config "$OPS/prometheus/prometheus.yml"
  if [ -f "$TOOLS/tmp/dashboard-rules.yml" ]; then
    step "dashboard queries parse as PromQL (promtool check rules)" promtool check rules "$TOOLS/tmp/dashboard-rules.yml"
  else
    skip "dashboard PromQL" "check.mjs did not write the queries"
  fi
else
  skip "Prometheus checks" "promtool is not available"
fi

# ------------------------------------------------------------------ script behaviour
step "behaviour tests of the scripts (ops/tools/test-scripts.sh)" bash "$OPS/tools/test-scripts.sh"

if $live; then
  step "end to end on 127.0.0.1: broker, registry, topics, 2 replicas, jobs, metrics, SIGTERM (ops/tools/live-test.sh)" \
    bash "$OPS/tools/live-test.sh"
else
  skip "end-to-end run (ops/tools/live-test.sh)" "opt-in: bash ops/validate.sh --live"
fi

# ------------------------------------------------------------------ extras where the tools exist
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
  render() { kubectl kustomize "$OPS/k8s" >"$TOOLS/tmp/k8s-rendered.yaml" && grep -c '^kind:' "$TOOLS/tmp/k8s-rendered.yaml" | sed 's/$/ objects rendered/'; }
  step "kustomize build of ops/k8s (kubectl kustomize, offline)" render
else
  skip "kustomize build of ops/k8s" "kubectl is not installed (optional)"
fi
if docker compose version >/dev/null 2>&1; then
  step "docker compose config (Compose's own parser)" docker compose -f "$OPS/docker-compose.yml" config --quiet
else
  skip "docker compose config" "the Docker Compose plugin is not installed (optional)"
fi
skip "building the image and running containers" "no Docker engine here: see ops/README.md for the commands"

echo
echo "validate.sh: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ]; then
  printf '  failed: %s\n' "${failed_steps[@]}"
  exit 1
fi
