#!/usr/bin/env bash
# Sends a JSONL file of reasoning jobs to the requests topic. The real work is done by the service's
# own CLI, `ponder submit` (Avro + schema registry, keyed by request_id, progress bar): this script only
# finds a way to run it - the repository's ./ponder launcher, or the ponder image inside the
# docker-compose stack - and passes the file along. `./ponder submit --help` lists every option.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: submit-jobs.sh [options] FILE.jsonl      (FILE may be - for standard input)

One job per line, in the plain JSON of schemas/README.md, e.g.
  {"request_id": "job-0001", "prompt": "What is 17 + 25?"}

Options:
  -c, --config FILE           the service's config file (kafka.*, serde.*, topics.* are used)
  -b, --bootstrap-server HOSTS Kafka brokers (default: from the config, else localhost:9092)
  -r, --registry-url URL      schema registry URL (default: from the config)
  -t, --topic TOPIC           requests topic (default: topics.requests, ponder.requests)
  -X KEY=VALUE                extra Kafka client or serde setting (repeatable), e.g. -X security.protocol=SASL_SSL
      --compose               run `ponder submit` in a one-off container of ops/docker-compose.yml's
                              ponder service (its config reaches kafka and the registry by service name)
      --quiet                 no progress bar
      --dry-run               print the command instead of running it
  -h, --help                  this help

Without --compose the repository's ./ponder launcher runs it (build once: ./mvnw -q -DskipTests package).
Against the compose stack from the host, use -b localhost:9092 -r http://localhost:8081/apis/ccompat/v7.
Examples:
  submit-jobs.sh -b localhost:9092 -r http://localhost:8081/apis/ccompat/v7 ops/examples/jobs.jsonl
  submit-jobs.sh --compose ops/examples/jobs.jsonl
  submit-jobs.sh -c /etc/ponder/ponder.yaml jobs.jsonl
EOF
}

die() { echo "submit-jobs.sh: $*" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
compose_file="$repo_root/ops/docker-compose.yml"

args=()
compose=false
dry_run=false
file=""
need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi; }

while [ $# -gt 0 ]; do
  case "$1" in
    -c|--config) need_value "$@"; args+=(--config "$2"); shift 2 ;;
    -b|--bootstrap-server) need_value "$@"; args+=(--bootstrap-servers "$2"); shift 2 ;;
    -r|--registry-url) need_value "$@"; args+=(--registry-url "$2"); shift 2 ;;
    -t|--topic) need_value "$@"; args+=(--topic "$2"); shift 2 ;;
    -X) need_value "$@"; args+=(-X "$2"); shift 2 ;;
    --quiet) args+=(--quiet); shift ;;
    --compose) compose=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    -) [ -z "$file" ] || die "only one FILE"; file="-"; shift ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [ -z "$file" ] || die "only one FILE"; file="$1"; shift ;;
  esac
done

[ -n "$file" ] || die "no FILE given (see --help)"
if [ "$file" != "-" ]; then
  [ -f "$file" ] || die "no such file: $file"
  jobs="$(grep -cv '^[[:space:]]*$' "$file" || true)"
  [ "$jobs" -gt 0 ] || die "$file has no jobs (one JSON object per line)"
  echo "submit-jobs.sh: $jobs jobs from $file" >&2
fi

run() {
  if $dry_run; then
    printf '%q ' "$@"; echo
  else
    "$@"
  fi
}

if $compose; then
  # The file goes through standard input, so it need not be inside the container.
  cmd=(docker compose -f "$compose_file" run --rm -T --no-deps ponder submit --config /etc/ponder/ponder.yaml
       ${args[@]+"${args[@]}"} -)
  if [ "$file" = "-" ] || $dry_run; then
    run "${cmd[@]}"
  else
    run "${cmd[@]}" <"$file"
  fi
else
  launcher="$repo_root/ponder"
  [ -x "$launcher" ] || die "the ./ponder launcher is missing at $launcher"
  run "$launcher" submit ${args[@]+"${args[@]}"} "$file"
fi
