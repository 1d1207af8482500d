#!/usr/bin/env bash
# Behaviour tests of ops/scripts/*.sh and ops/docker/entrypoint.sh that need no Kafka, no Docker and no
# internet: option handling, the commands the scripts build (dry runs, and stub Kafka tools that record
# their arguments), and fetch-model.sh end to end against local files and a stand-in for the model hub
# on 127.0.0.1 (ops/tools/fake-hub.mjs). Run by ops/validate.sh; prints "N passed, N failed".
set -euo pipefail

OPS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$OPS/.." && pwd)"
SCRIPTS="$OPS/scripts"
TMP="$(mktemp -d)"
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

passed=0
failed=0
# t NAME COMMAND...: runs COMMAND (a function or program), records the outcome.
t() {
  local name="$1"; shift
  if ( "$@" ) >"$TMP/last.log" 2>&1; then
    passed=$((passed + 1)); echo "  ok    $name"
  else
    failed=$((failed + 1)); echo "  FAIL  $name"; sed 's/^/        | /' "$TMP/last.log" | tail -n 20
  fi
}
# expect_rc CODE COMMAND...: COMMAND must exit with CODE; its output goes to $TMP/out.
expect_rc() {
  local want="$1"; shift
  local rc=0
  "$@" >"$TMP/out" 2>&1 || rc=$?
  if [ "$rc" != "$want" ]; then echo "exit status $rc, expected $want"; cat "$TMP/out"; return 1; fi
}
has() { grep -qF -- "$1" "$TMP/out" || { echo "output lacks: $1"; cat "$TMP/out"; return 1; }; }
count_is() { local n; n="$(grep -cF -- "$1" "$TMP/out" || true)"; [ "$n" = "$2" ] || { echo "'$1' appears $n times, expected $2"; cat "$TMP/out"; return 1; }; }

# ------------------------------------------------------------------ every script: --help, bad options
for s in create-topics.sh submit-jobs.sh fetch-model.sh; do
  t "$s --help" bash -c "bash '$SCRIPTS/$s' --help | grep -q '^Usage: $s'"
  t "$s rejects an unknown option (exit 2)" expect_rc 2 bash "$SCRIPTS/$s" --no-such-option
done

# ------------------------------------------------------------------ create-topics.sh
create_dry() {
  expect_rc 0 bash "$SCRIPTS/create-topics.sh" --dry-run -b broker:9092 -p 6 -r 3
  count_is "kafka-topics.sh --bootstrap-server broker:9092 --create --if-not-exists" 4
  count_is "kafka-configs.sh --bootstrap-server broker:9092 --alter --entity-type topics" 4
  has "--topic ponder.requests --partitions 6"
  has "--topic ponder.reasoning --partitions 6"
  has "--topic ponder.answers --partitions 6"
  has "--topic ponder.requests.dlq --partitions 1"
  has "--replication-factor 3"
  has "min.insync.replicas=2"
  has "--entity-name ponder.requests.dlq --add-config cleanup.policy=delete\\,min.insync.replicas=2\\,retention.ms=2592000000"
}
t "create-topics.sh --dry-run: 4 topics, partitions, replication, retention, min ISR" create_dry

create_docker() {
  expect_rc 0 bash "$SCRIPTS/create-topics.sh" --dry-run --docker-container ponder-kafka-1 -b kafka:19092
  count_is "docker exec ponder-kafka-1 /opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:19092" 4
  has "--partitions 12"
}
t "create-topics.sh --docker-container runs the broker image's tools" create_docker

t "create-topics.sh rejects --partitions 0" expect_rc 2 bash "$SCRIPTS/create-topics.sh" --dry-run -p 0
t "create-topics.sh without Kafka tools explains where to get them" \
  bash -c "env -u KAFKA_HOME -u KAFKA_BIN PATH=/usr/bin:/bin bash '$SCRIPTS/create-topics.sh' 2>&1 | grep -q 'kafka-topics.sh not found'"

# Stub Kafka tools: record their arguments, describe every topic with 3 partitions.
mkdir -p "$TMP/kbin"
cat >"$TMP/kbin/kafka-topics.sh" <<'EOF'
#!/usr/bin/env bash
echo "kafka-topics.sh $*" >>"$STUB_LOG"
if [[ " $* " == *" --describe "* ]]; then
  printf 'Topic: x\tTopicId: abc\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: \n'
fi
EOF
cp "$TMP/kbin/kafka-topics.sh" "$TMP/kbin/kafka-configs.sh"
sed -i 's/kafka-topics.sh \$\*/kafka-configs.sh $*/' "$TMP/kbin/kafka-configs.sh"
chmod +x "$TMP/kbin/"*.sh

create_stub() {
  export STUB_LOG="$TMP/stub.log"; : >"$STUB_LOG"
  KAFKA_BIN="$TMP/kbin" expect_rc 0 bash "$SCRIPTS/create-topics.sh" -b b:9092 -p 6
  has "WARNING: topic ponder.requests has 3 partitions, fewer than 6"
  grep -q -- "--alter --topic" "$STUB_LOG" && { echo "partitions raised without --increase-partitions"; return 1; }
  : >"$STUB_LOG"
  KAFKA_BIN="$TMP/kbin" expect_rc 0 bash "$SCRIPTS/create-topics.sh" -b b:9092 -p 6 --increase-partitions
  grep -q -- "kafka-topics.sh --bootstrap-server b:9092 --alter --topic ponder.requests --partitions 6" "$STUB_LOG" \
    || { echo "no partition increase in:"; cat "$STUB_LOG"; return 1; }
  # The dead-letter topic (1 partition asked, 3 present) is never lowered.
  grep -q -- "--alter --topic ponder.requests.dlq" "$STUB_LOG" && { echo "DLQ partitions changed"; return 1; }
  return 0
}
t "create-topics.sh with (stub) Kafka tools: checks partition counts, raises only with --increase-partitions" create_stub

# ------------------------------------------------------------------ submit-jobs.sh
submit_dry() {
  expect_rc 0 bash "$SCRIPTS/submit-jobs.sh" --dry-run -b localhost:9092 -r http://localhost:8081/apis/ccompat/v7 \
    -X acks=all "$OPS/examples/jobs.jsonl"
  has "$ROOT/ponder submit --bootstrap-servers localhost:9092 --registry-url http://localhost:8081/apis/ccompat/v7 -X acks=all $OPS/examples/jobs.jsonl"
  has "20 jobs from"
}
t "submit-jobs.sh --dry-run builds the ./ponder submit command" submit_dry
submit_compose() {
  expect_rc 0 bash "$SCRIPTS/submit-jobs.sh" --dry-run --compose "$OPS/examples/jobs.jsonl"
  has "docker compose -f $OPS/docker-compose.yml run --rm -T --no-deps ponder submit --config /etc/ponder/ponder.yaml -"
}
t "submit-jobs.sh --compose --dry-run pipes the file into a one-off container" submit_compose
: >"$TMP/empty.jsonl"
t "submit-jobs.sh refuses an empty file (exit 2)" expect_rc 2 bash "$SCRIPTS/submit-jobs.sh" --dry-run "$TMP/empty.jsonl"
t "submit-jobs.sh refuses a missing file (exit 2)" expect_rc 2 bash "$SCRIPTS/submit-jobs.sh" --dry-run "$TMP/none.jsonl"

# ------------------------------------------------------------------ fetch-model.sh
head -c 3000000 /dev/urandom >"$TMP/model.gguf"
sha="$(sha256sum "$TMP/model.gguf" | cut -d' ' -f1)"
fetch() { bash "$SCRIPTS/fetch-model.sh" "$@"; }

fetch_file() {
  expect_rc 0 fetch --url "file://$TMP/model.gguf" --sha256 "$sha" --size 3000000 -o "$TMP/m1"
  cmp -s "$TMP/model.gguf" "$TMP/m1/model.gguf" || { echo "content differs"; return 1; }
  [ ! -e "$TMP/m1/model.gguf.partial" ] || { echo "partial file left"; return 1; }
  grep -q "$sha" "$TMP/m1/model.gguf.sha256"
}
t "fetch-model.sh downloads (file:// URL) and verifies size and SHA-256" fetch_file

fetch_resume() {
  mkdir -p "$TMP/m2"
  head -c 1234567 "$TMP/model.gguf" >"$TMP/m2/model.gguf.partial"
  expect_rc 0 fetch --url "file://$TMP/model.gguf" --sha256 "$sha" --size 3000000 -o "$TMP/m2"
  cmp -s "$TMP/model.gguf" "$TMP/m2/model.gguf" || { echo "resumed content differs"; return 1; }
}
t "fetch-model.sh resumes a partial download" fetch_resume

fetch_present() {
  expect_rc 0 fetch --url "file://$TMP/model.gguf" --sha256 "$sha" -o "$TMP/m1"
  has "already present and verified"
}
t "fetch-model.sh leaves a present, verified file alone" fetch_present

fetch_bad() {
  expect_rc 1 fetch --url "file://$TMP/model.gguf" --sha256 "$(printf '0%.0s' {1..64})" -o "$TMP/m3"
  has "expected 0000"
  if [ ! -f "$TMP/m3/model.gguf.bad" ] || [ -e "$TMP/m3/model.gguf" ]; then echo "bad file not set aside"; return 1; fi
}
t "fetch-model.sh rejects a checksum mismatch (exit 1, file set aside)" fetch_bad

fetch_wrong_size() {
  expect_rc 1 fetch --url "file://$TMP/model.gguf" --sha256 "$sha" --size 2999999 -o "$TMP/m4"
  has "expected 2999999"
}
t "fetch-model.sh rejects a size mismatch" fetch_wrong_size
t "fetch-model.sh with --url but no --sha256 refuses (exit 1)" expect_rc 1 fetch --url "file://$TMP/model.gguf" -o "$TMP/m5"
t "fetch-model.sh rejects a malformed --sha256 (exit 1)" expect_rc 1 fetch --url "file://$TMP/model.gguf" --sha256 abc -o "$TMP/m5"

# The hub stand-in: metadata from the redirect's X-Linked-* headers, an interrupted first download.
node "$OPS/tools/fake-hub.mjs" --file "$TMP/model.gguf" --name model.gguf --cut-first >"$TMP/hub.port" 2>"$TMP/hub.err" &
hub_pid=$!
for _ in $(seq 1 50); do [ -s "$TMP/hub.port" ] && break; sleep 0.1; done
port="$(head -n 1 "$TMP/hub.port" 2>/dev/null || true)"

fetch_hub() {
  [ -n "$port" ] || { echo "fake hub did not start"; cat "$TMP/hub.err"; return 1; }
  HF_ENDPOINT="http://127.0.0.1:$port" expect_rc 0 fetch --repo test/model --file model.gguf --retries 3 -o "$TMP/m6"
  has "reading the file's size and SHA-256"
  has "attempt 2 of 3"
  has "SHA-256 $sha"
  cmp -s "$TMP/model.gguf" "$TMP/m6/model.gguf" || { echo "content differs"; return 1; }
}
t "fetch-model.sh from a hub: checksum from X-Linked-Etag, resumes after a cut connection" fetch_hub

fetch_hub_404() {
  [ -n "$port" ] || return 1
  HF_ENDPOINT="http://127.0.0.1:$port" expect_rc 1 fetch --repo test/model --file other.gguf -o "$TMP/m7"
  has "not found at revision main"
}
t "fetch-model.sh explains a file missing from the hub" fetch_hub_404

fetch_no_net() {
  HF_ENDPOINT="http://127.0.0.1:9" expect_rc 1 fetch --repo test/model --file model.gguf -o "$TMP/m8"
  has "needs internet access"
}
t "fetch-model.sh says it needs internet when the hub is unreachable" fetch_no_net

# ------------------------------------------------------------------ entrypoint with the real jar
jar="$ROOT/stream-app/target/ponder.jar"
jdk=""
if [ -x "$ROOT/.mvn/find-jdk25" ]; then jdk="$("$ROOT/.mvn/find-jdk25" 2>/dev/null || true)"; fi
if [ -f "$jar" ] && [ -n "$jdk" ]; then
  entry() {
    mkdir -p "$TMP/home"
    ln -sf "$jar" "$TMP/home/ponder.jar"
    PATH="$jdk/bin:$PATH" PONDER_HOME="$TMP/home" PONDER_JAVA_OPTS="-Xmx256m" \
      expect_rc 0 bash "$OPS/docker/entrypoint.sh" --version
    has "ponder"
  }
  t "docker/entrypoint.sh starts the built jar with the service's JVM flags (--version)" entry
else
  echo "  skip  docker/entrypoint.sh smoke test (needs stream-app/target/ponder.jar and a JDK 25)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
