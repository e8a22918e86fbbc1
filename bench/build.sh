#!/usr/bin/env bash
# Compiles the load generators and their shared client library (bench/src, package io.kafkabridge.bench) into
# bench/target/classes against the gateway's fat jar, building the jar first when it is missing. Compiles again only
# when a source, the set of sources or the jar changed since the last build. The bench scripts call it before they
# launch a generator:
#   java -cp target/kafka-eventbus-bridge.jar:bench/target/classes io.kafkabridge.bench.FanoutBench ...
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=target/kafka-eventbus-bridge.jar
OUT=bench/target/classes
STAMP=bench/target/sources.txt   # the sources of the last build: written after it succeeded
[ -f "$JAR" ] || mvn -B -q package -DskipTests
sources=$(find bench/src -name '*.java' | sort)
if [ -f "$STAMP" ] && [ "$sources" = "$(cat "$STAMP")" ] \
    && [ -z "$(find bench/src "$JAR" -newer "$STAMP" -print -quit)" ]; then
  exit 0
fi
rm -rf "$OUT" "$STAMP"
mkdir -p "$OUT"
# -classfile: the fat jar lacks the Vert.x codegen annotations its classes name (harmless)
# shellcheck disable=SC2086 # one word per source path (no spaces in them)
javac -encoding UTF-8 -Xlint:all,-classfile -cp "$JAR" -d "$OUT" $sources
echo "$sources" > "$STAMP"
