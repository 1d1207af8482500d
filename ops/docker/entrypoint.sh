#!/usr/bin/env bash
# Container entrypoint: starts the ponder jar with the JVM flags the engine needs, then the arguments
# given to the container (default: run --config /etc/ponder/ponder.yaml).
#
# PONDER_JAVA_OPTS adds JVM options, above all the heap: the model is memory-mapped outside the heap,
# but the KV cache lives on the heap, so -Xmx must exceed engine.kv.budget.bytes (see ops/README.md).
# `exec` makes java PID 1's replacement, so SIGTERM from Docker or Kubernetes reaches the service and
# starts its graceful shutdown (shutdown.grace.ms).
set -euo pipefail

PONDER_HOME="${PONDER_HOME:-/opt/ponder}"

# PONDER_JAVA_OPTS is split on spaces on purpose: it holds several options.
# shellcheck disable=SC2086
exec java \
  --add-modules jdk.incubator.vector \
  --enable-native-access=ALL-UNNAMED \
  -XX:+UseParallelGC \
  -XX:+ExitOnOutOfMemoryError \
  ${PONDER_JAVA_OPTS:-} \
  -Dponder.home="$PONDER_HOME" \
  -jar "$PONDER_HOME/ponder.jar" "$@"
