#!/usr/bin/env bash
# Creates (or brings up to date) ponder's four topics with Kafka's own kafka-topics.sh and
# kafka-configs.sh. Safe to run again: existing topics are kept, their configs are re-applied.
#
# Kafka Streams creates its internal topics itself (the compacted changelog of the in-flight store),
# with kafka.replication.factor from the service config; they are not created here.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: create-topics.sh [options]

Creates ponder's topics:
  requests    (jobs)            partitions = --partitions: the most instances that can share the work
  reasoning   (results)         partitions = --partitions, retention --results-retention-ms
  answers     (results)         partitions = --partitions, retention --results-retention-ms
  dead letter (bad records)     partitions = --dlq-partitions, retention --dlq-retention-ms

Options:
  -b, --bootstrap-server HOSTS   Kafka brokers (default: $BOOTSTRAP_SERVERS or localhost:9092)
  -p, --partitions N             partitions of the requests and results topics (default 12)
  -r, --replication-factor N     replication factor (default: the broker's default.replication.factor)
      --min-insync-replicas N    min.insync.replicas of every topic (default: 2 when --replication-factor
                                 is 3 or more, else the broker's default)
      --requests-retention-ms MS retention of unprocessed jobs (default 604800000 = 7 days)
      --results-retention-ms MS  retention of reasoning and answer records (default 604800000 = 7 days)
      --dlq-partitions N         partitions of the dead-letter topic (default 1)
      --dlq-retention-ms MS      retention of the dead-letter topic (default 2592000000 = 30 days)
      --requests NAME            requests topic name  (default ponder.requests)
      --reasoning NAME           reasoning topic name (default ponder.reasoning)
      --answers NAME             answers topic name   (default ponder.answers)
      --dead-letter NAME         dead-letter topic name (default ponder.requests.dlq)
      --command-config FILE      client properties for a secured cluster (SASL/SSL), passed to the
                                 Kafka tools as --command-config
      --increase-partitions      raise the partition count of an existing topic that has fewer than
                                 asked (never lowered; keyed records then map to other partitions)
      --docker-container NAME    run the Kafka tools inside this running container (e.g. the broker
                                 of ops/docker-compose.yml) with `docker exec`
      --dry-run                  print the commands instead of running them
  -h, --help                     this help

Where the Kafka tools come from: --docker-container, else $KAFKA_BIN (a directory with
kafka-topics.sh), else $KAFKA_HOME/bin, else kafka-topics.sh on PATH.

The topic names must match the service's topics.* settings (ops/config/ponder.yaml).
Examples:
  create-topics.sh -b localhost:9092 -p 6 -r 1
  create-topics.sh --docker-container ops-kafka-1 -b kafka:19092 -p 6 -r 1
  KAFKA_HOME=/opt/kafka create-topics.sh -b broker-1:9092 -p 24 -r 3 --command-config admin.properties
EOF
}

die() { echo "create-topics.sh: $*" >&2; exit 2; }

bootstrap="${BOOTSTRAP_SERVERS:-localhost:9092}"
partitions=12
replication=""
min_isr=""
requests_retention=604800000
results_retention=604800000
dlq_partitions=1
dlq_retention=2592000000
t_requests=ponder.requests
t_reasoning=ponder.reasoning
t_answers=ponder.answers
t_dlq=ponder.requests.dlq
command_config=""
increase=false
container=""
dry_run=false

need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi; }

while [ $# -gt 0 ]; do
  case "$1" in
    -b|--bootstrap-server) need_value "$@"; bootstrap="$2"; shift 2 ;;
    -p|--partitions) need_value "$@"; partitions="$2"; shift 2 ;;
    -r|--replication-factor) need_value "$@"; replication="$2"; shift 2 ;;
    --min-insync-replicas) need_value "$@"; min_isr="$2"; shift 2 ;;
    --requests-retention-ms) need_value "$@"; requests_retention="$2"; shift 2 ;;
    --results-retention-ms) need_value "$@"; results_retention="$2"; shift 2 ;;
    --dlq-partitions) need_value "$@"; dlq_partitions="$2"; shift 2 ;;
    --dlq-retention-ms) need_value "$@"; dlq_retention="$2"; shift 2 ;;
    --requests) need_value "$@"; t_requests="$2"; shift 2 ;;
    --reasoning) need_value "$@"; t_reasoning="$2"; shift 2 ;;
    --answers) need_value "$@"; t_answers="$2"; shift 2 ;;
    --dead-letter) need_value "$@"; t_dlq="$2"; shift 2 ;;
    --command-config) need_value "$@"; command_config="$2"; shift 2 ;;
    --increase-partitions) increase=true; shift ;;
    --docker-container) need_value "$@"; container="$2"; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
is_count "$partitions" || die "--partitions must be a positive whole number, not '$partitions'"
is_count "$dlq_partitions" || die "--dlq-partitions must be a positive whole number, not '$dlq_partitions'"
[ -z "$replication" ] || is_count "$replication" || die "--replication-factor must be a positive whole number"
[ -z "$min_isr" ] || is_count "$min_isr" || die "--min-insync-replicas must be a positive whole number"
for ms in "$requests_retention" "$results_retention" "$dlq_retention"; do
  [[ "$ms" =~ ^(-1|[0-9]+)$ ]] || die "retention must be milliseconds or -1 (forever), not '$ms'"
done
if [ -z "$min_isr" ] && [ -n "$replication" ] && [ "$replication" -ge 3 ]; then
  min_isr=2
fi

# How to call a Kafka tool (kafka-topics.sh, kafka-configs.sh): prints the command prefix as words.
tool() {
  local name="$1"
  if [ -n "$container" ]; then
    printf '%s\n' docker exec "$container" "/opt/kafka/bin/$name"
  elif [ -n "${KAFKA_BIN:-}" ]; then
    printf '%s\n' "$KAFKA_BIN/$name"
  elif [ -n "${KAFKA_HOME:-}" ]; then
    printf '%s\n' "$KAFKA_HOME/bin/$name"
  else
    printf '%s\n' "$name"
  fi
}

# Runs a Kafka tool with the common connection arguments, or prints it under --dry-run.
run_tool() {
  local name="$1"; shift
  local -a cmd
  mapfile -t cmd < <(tool "$name")
  cmd+=(--bootstrap-server "$bootstrap")
  if [ -n "$command_config" ]; then
    cmd+=(--command-config "$command_config")
  fi
  cmd+=("$@")
  if $dry_run; then
    printf '%q ' "${cmd[@]}"; echo
  else
    "${cmd[@]}"
  fi
}

if ! $dry_run && [ -z "$container" ]; then
  first="$(tool kafka-topics.sh)"
  command -v "$first" >/dev/null 2>&1 || [ -x "$first" ] \
    || die "kafka-topics.sh not found: set KAFKA_HOME or KAFKA_BIN, put it on PATH, or use --docker-container"
fi

# ensure TOPIC PARTITIONS CONFIG... : create if missing, re-apply configs, check the partition count.
ensure() {
  local topic="$1" want="$2"; shift 2
  local -a configs=("$@") create_args=() config_csv
  local c
  for c in "${configs[@]}"; do create_args+=(--config "$c"); done
  if [ -n "$replication" ]; then create_args+=(--replication-factor "$replication"); fi
  echo "topic $topic: $want partitions, ${configs[*]}" >&2
  run_tool kafka-topics.sh --create --if-not-exists --topic "$topic" --partitions "$want" "${create_args[@]}"
  config_csv="$(IFS=,; echo "${configs[*]}")"
  run_tool kafka-configs.sh --alter --entity-type topics --entity-name "$topic" --add-config "$config_csv"
  if $dry_run; then
    return 0
  fi
  local have
  have="$(run_tool kafka-topics.sh --describe --topic "$topic" | sed -n 's/.*PartitionCount:[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)"
  if [ -z "$have" ]; then
    die "could not read the partition count of $topic"
  fi
  if [ "$have" -lt "$want" ]; then
    if $increase; then
      echo "topic $topic: raising partitions $have -> $want" >&2
      run_tool kafka-topics.sh --alter --topic "$topic" --partitions "$want"
    else
      echo "WARNING: topic $topic has $have partitions, fewer than $want; rerun with --increase-partitions" \
        "to raise it (at most $have instances can share its work until then)" >&2
    fi
  elif [ "$have" -gt "$want" ]; then
    echo "note: topic $topic has $have partitions (more than $want); partitions are never lowered" >&2
  fi
}

common=(cleanup.policy=delete)
if [ -n "$min_isr" ]; then common+=("min.insync.replicas=$min_isr"); fi

ensure "$t_requests" "$partitions" "${common[@]}" "retention.ms=$requests_retention"
ensure "$t_reasoning" "$partitions" "${common[@]}" "retention.ms=$results_retention"
ensure "$t_answers" "$partitions" "${common[@]}" "retention.ms=$results_retention"
ensure "$t_dlq" "$dlq_partitions" "${common[@]}" "retention.ms=$dlq_retention"

if $dry_run; then
  echo "(dry run: nothing was changed)" >&2
else
  echo "topics ready: $t_requests, $t_reasoning, $t_answers, $t_dlq (at most $partitions instances share the work)" >&2
fi
