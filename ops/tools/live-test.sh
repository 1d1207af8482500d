#!/usr/bin/env bash
# End-to-end run of the deployment's moving parts on this machine, without containers: what
# docker-compose.yml does, done by hand on 127.0.0.1.
#   - a real KRaft Kafka broker and the Kafka tools (from Maven Central via ops/tools/live-pom.xml)
#   - Apicurio Registry with its Confluent-compatible API (the same artifact the tests use)
#   - ops/scripts/create-topics.sh against the broker, twice (the second run must change nothing)
#   - two `ponder run` replicas with ops/config/ponder.yaml and PONDER_* overrides, as in compose
#   - ops/scripts/submit-jobs.sh with ops/examples/jobs.jsonl, then a duplicate and a bad record
#   - /health and /ready, every metric name of the dashboard and alerts in the live /metrics
#   - SIGTERM to one replica: it must stop within its grace period, the other takes over
# Needs the built jar (./mvnw -q -DskipTests package), a JDK 25, Maven Central for the first run.
# Opt-in: `bash ops/validate.sh --live`. Prints "N passed, N failed".
set -euo pipefail

OPS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$OPS/.." && pwd)"
TOOLS="$OPS/.tools"
LIVE="$TOOLS/live"
W="$(mktemp -d)"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${KEEP_LIVE:-}" ]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok    $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL  $*"; }
die() { echo "live-test.sh: $*" >&2; exit 1; }

jar="$ROOT/stream-app/target/ponder.jar"
[ -f "$jar" ] || die "needs $jar: ./mvnw -q -DskipTests package"
jdk="$("$ROOT/.mvn/find-jdk25")" || die "needs a JDK 25"
java="$jdk/bin/java"
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
# wait_for SECONDS COMMAND...: retries COMMAND once a second.
wait_for() { local n="$1"; shift; local i; for ((i = 0; i < n; i++)); do if "$@" >/dev/null 2>&1; then return 0; fi; sleep 1; done; return 1; }

# ------------------------------------------------------------------ Kafka and the registry from Maven Central
kafka_version="$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$ROOT/pom.xml" | head -n 1)"
registry_version="$(sed -n 's|.*<apicurio-registry.version>\(.*\)</apicurio-registry.version>.*|\1|p' "$ROOT/pom.xml" | head -n 1)"
mkdir -p "$LIVE"
if [ ! -s "$LIVE/kafka-$kafka_version.cp" ]; then
  echo "resolving Kafka $kafka_version (broker and tools) from Maven Central"
  "$ROOT/mvnw" -q -B -f "$OPS/tools/live-pom.xml" -Dkafka.version="$kafka_version" \
    org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath -Dmdep.outputFile="$LIVE/kafka-$kafka_version.cp"
fi
if [ ! -f "$LIVE/apicurio-$registry_version/quarkus-run.jar" ]; then
  echo "resolving Apicurio Registry $registry_version from Maven Central"
  rm -rf "$LIVE/target/dependency-maven-plugin-markers" # else a former unpack counts as done
  "$ROOT/mvnw" -q -B -f "$OPS/tools/live-pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.9.0:unpack \
    -Dartifact="io.apicurio:apicurio-registry-app:$registry_version:tar.gz:all" -DoutputDirectory="$LIVE/apicurio-$registry_version"
fi
kcp="$(cat "$LIVE/kafka-$kafka_version.cp")"

# Kafka's shell tools, as KAFKA_BIN for create-topics.sh.
mkdir -p "$W/bin"
for tool in "kafka-topics.sh org.apache.kafka.tools.TopicCommand" "kafka-configs.sh kafka.admin.ConfigCommand" \
            "kafka-console-producer.sh org.apache.kafka.tools.ConsoleProducer"; do
  read -r name class <<<"$tool"
  printf '#!/usr/bin/env bash\nexec "%s" -Xmx256m -cp "%s" %s "$@"\n' "$java" "$kcp" "$class" >"$W/bin/$name"
  chmod +x "$W/bin/$name"
done

kport="$(free_port)"; cport="$(free_port)"; rport="$(free_port)"
cat >"$W/server.properties" <<EOF
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$kport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$kport
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.quorum.voters=1@127.0.0.1:$cport
log.dirs=$W/kafka-data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
"$java" -cp "$kcp" kafka.tools.StorageTool format -t "$("$java" -cp "$kcp" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
  -c "$W/server.properties" >"$W/format.log" 2>&1 || { cat "$W/format.log"; die "kafka-storage format failed"; }
"$java" -Xmx512m -cp "$kcp" kafka.Kafka "$W/server.properties" >"$W/broker.log" 2>&1 &
pids+=($!)
"$java" -Xmx384m -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$rport" -Dquarkus.management.enabled=false \
  -Dapicurio.rules.global.compatibility=BACKWARD -jar "$LIVE/apicurio-$registry_version/quarkus-run.jar" >"$W/registry.log" 2>&1 &
pids+=($!)
registry="http://127.0.0.1:$rport/apis/ccompat/v7"
if wait_for 60 "$W/bin/kafka-topics.sh" --bootstrap-server "127.0.0.1:$kport" --list; then ok "Kafka $kafka_version broker (KRaft) up on 127.0.0.1:$kport"; else bad "broker did not start"; tail -20 "$W/broker.log"; exit 1; fi
if wait_for 90 curl -fsS "$registry/subjects"; then ok "Apicurio Registry $registry_version up ($registry)"; else bad "registry did not start"; tail -20 "$W/registry.log"; exit 1; fi

# ------------------------------------------------------------------ topics
if KAFKA_BIN="$W/bin" bash "$OPS/scripts/create-topics.sh" -b "127.0.0.1:$kport" -p 4 -r 1 >"$W/topics.log" 2>&1 \
   && "$W/bin/kafka-topics.sh" --bootstrap-server "127.0.0.1:$kport" --describe >"$W/describe.txt" 2>/dev/null \
   && grep -q "ponder.requests	.*PartitionCount: 4.*retention.ms=604800000" "$W/describe.txt" \
   && grep -q "ponder.requests.dlq	.*PartitionCount: 1.*retention.ms=2592000000" "$W/describe.txt"; then
  ok "create-topics.sh created the 4 topics with their partitions and retention on a real broker"
else
  bad "create-topics.sh"; cat "$W/topics.log" "$W/describe.txt" 2>/dev/null | tail -20
fi
if KAFKA_BIN="$W/bin" bash "$OPS/scripts/create-topics.sh" -b "127.0.0.1:$kport" -p 4 -r 1 >"$W/topics2.log" 2>&1 \
   && ! grep -q "WARNING: topic" "$W/topics2.log"; then
  ok "create-topics.sh run again: nothing to change"
else
  bad "create-topics.sh second run"; tail -10 "$W/topics2.log"
fi

# ------------------------------------------------------------------ two replicas, as in docker-compose.yml
start_replica() { # start_replica N HTTP_PORT
  (
    export PONDER_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$kport"
    export PONDER_SERDE_SCHEMA_REGISTRY_URL="$registry"
    export PONDER_KAFKA_STATE_DIR="$W/state-$1"
    export PONDER_ENGINE_MODEL="$ROOT/models/tiny-reasoner-q8_0.gguf"
    export PONDER_ENGINE_THREADS=1
    export PONDER_ENGINE_KV_BUDGET_BYTES=64m
    export PONDER_HTTP_HOST=127.0.0.1
    export PONDER_HTTP_PORT="$2"
    export PONDER_SHUTDOWN_GRACE_MS=10000
    export PONDER_JAVA_OPTS="-Xms384m -Xmx384m"
    exec "$ROOT/ponder" run --config "$OPS/config/ponder.yaml"
  ) >"$W/ponder-$1.log" 2>&1 &
  pids+=($!)
  replica_pid[$1]=$!
}
declare -A replica_pid
h1="$(free_port)"; h2="$(free_port)"
start_replica 1 "$h1"
start_replica 2 "$h2"
if wait_for 120 curl -fsS "http://127.0.0.1:$h1/ready" && wait_for 60 curl -fsS "http://127.0.0.1:$h2/ready"; then
  ok "two replicas (one consumer group) ready: /ready answers 200 on both"
else
  bad "replicas not ready"; tail -15 "$W/ponder-1.log" "$W/ponder-2.log"; exit 1
fi
health="$(curl -fsS "http://127.0.0.1:$h1/health" || true)"
if grep -q '"UP"' <<<"$health"; then ok "/health answers 200 UP"; else bad "/health: $health"; fi

# ------------------------------------------------------------------ jobs in, answers out
jobs_file="$OPS/examples/jobs.jsonl"
njobs="$(grep -c . "$jobs_file")"
if bash "$OPS/scripts/submit-jobs.sh" -b "127.0.0.1:$kport" -r "$registry" --quiet "$jobs_file" >"$W/submit.log" 2>&1; then
  ok "submit-jobs.sh sent $njobs jobs through ./ponder submit"
else
  bad "submit-jobs.sh"; cat "$W/submit.log"
fi
answered() { # total answers counted by both replicas' latency histograms
  local total=0 n h
  for h in "$h1" "$h2"; do
    n="$(curl -fsS "http://127.0.0.1:$h/metrics" | awk '/^ponder_job_latency_seconds_count[{ ]/ {s += $NF} END {printf "%d", s}')" || n=0
    total=$((total + n))
  done
  echo "$total"
}
for _ in $(seq 1 180); do [ "$(answered)" -ge "$njobs" ] && break; sleep 1; done
if [ "$(answered)" -ge "$njobs" ]; then ok "all $njobs jobs answered (ponder_job_latency_seconds_count over both replicas)"; else bad "only $(answered) of $njobs answered"; fi
if "$ROOT/ponder" tail -b "127.0.0.1:$kport" -r "$registry" --from-beginning -n "$njobs" --idle-timeout 30 -o "$W/answers.jsonl" >/dev/null 2>&1; then
  # shellcheck disable=SC2016 # JavaScript, not shell, in single quotes
  correct="$(node -e '
    const fs = require("fs");
    const jobs = new Map(fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => { const j = JSON.parse(l); return [j.request_id, j.metadata.expected]; }));
    let c = 0; const seen = new Set();
    for (const l of fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean)) {
      const a = JSON.parse(l); seen.add(a.request_id);
      if (a.status === "OK" && String(a.answer ?? "").includes(jobs.get(a.request_id))) c++;
    }
    console.log(`${seen.size} ${c}`);' "$jobs_file" "$W/answers.jsonl")"
  ok "ponder tail read answers for ${correct% *} distinct jobs, ${correct#* } with the expected number"
else
  bad "ponder tail"
fi

# A duplicate request_id and a record that is not Avro: counted, the latter dead-lettered.
head -n 1 "$jobs_file" | bash "$OPS/scripts/submit-jobs.sh" -b "127.0.0.1:$kport" -r "$registry" --quiet - >/dev/null 2>&1 || true
echo "this is not an Avro record" | "$W/bin/kafka-console-producer.sh" --bootstrap-server "127.0.0.1:$kport" --topic ponder.requests >/dev/null 2>&1 || true
# (The scrape is read whole before grep: `curl | grep -q` fails under pipefail when grep stops early.)
scrape() { curl -fsS "http://127.0.0.1:$h1/metrics" "http://127.0.0.1:$h2/metrics"; }
dlq_seen() { local m; m="$(scrape)" && grep -q '^ponder_records_dead_lettered_total' <<<"$m"; }
dup_seen() { local m; m="$(scrape)" && grep -q '^ponder_jobs_duplicates_total' <<<"$m"; }
if wait_for 90 dup_seen; then ok "a re-sent request_id is not run again (ponder_jobs_duplicates_total)"; else bad "no ponder_jobs_duplicates_total after a duplicate"; fi
if wait_for 90 dlq_seen; then ok "a record that is not Avro is dead-lettered (ponder_records_dead_lettered_total)"; else bad "no ponder_records_dead_lettered_total after a bad record"; fi

# ------------------------------------------------------------------ metric names of the dashboard and alerts
# Micrometer's Kafka binder picks up new client metrics (per-partition lag appears once partitions are
# assigned) on a 60 s refresh: scrape until every name is there, for up to 100 s.
missing_names() {
  curl -fsS "http://127.0.0.1:$h1/metrics" "http://127.0.0.1:$h2/metrics" | grep -v '^#' | sed 's/[{ ].*//' | sort -u >"$W/live-names.txt"
  node -e '
  const fs = require("fs");
  const live = new Set(fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean));
  const dash = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  exprs.push(...[...fs.readFileSync(process.argv[3], "utf8").matchAll(/expr: (.*)/g)].map((m) => m[1]));
  const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:ponder|kafka|jvm|process)_[a-z0-9_]+)/g)].map((m) => m[1])));
  console.log([...used].filter((n) => !live.has(n)).join(" "));' "$W/live-names.txt" "$OPS/grafana/dashboards/ponder.json" "$OPS/prometheus/alerts.yml"
}
missing="$(missing_names)"
for _ in $(seq 1 20); do [ -z "$missing" ] && break; sleep 5; missing="$(missing_names)"; done
if [ -z "$missing" ]; then
  ok "every metric name of the dashboard and alerts is in the live /metrics ($(wc -l <"$W/live-names.txt") names exported)"
else
  bad "metric names missing from the live /metrics: $missing"
fi

# ------------------------------------------------------------------ graceful shutdown and take-over
start=$(date +%s)
kill -TERM "${replica_pid[1]}"
rc=0; wait "${replica_pid[1]}" || rc=$?
took=$(( $(date +%s) - start ))
if [ "$took" -le 70 ] && { [ "$rc" = 0 ] || [ "$rc" = 143 ]; }; then
  ok "SIGTERM: replica 1 stopped in ${took}s (grace 10 s + close), exit status $rc"
else
  bad "SIGTERM: replica 1 took ${took}s, exit status $rc"; tail -10 "$W/ponder-1.log"
fi
if wait_for 90 curl -fsS "http://127.0.0.1:$h2/ready"; then ok "replica 2 ready again after the rebalance (owns all partitions)"; else bad "replica 2 not ready after the rebalance"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
