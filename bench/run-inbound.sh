#!/usr/bin/env bash
# Inbound benchmark: client messages per second into Kafka with acks (STOMP SEND + RECEIPT after acks=all).
# Starts a standalone Kafka broker (bench/KafkaBroker.java, 6 partitions) and the load generator pinned to CPU 1, one
# gateway node (the sink of bench/inbound.json) pinned to CPU 0, runs the generator RUNS times, and writes min / median /
# max to bench/results/. Usage: bench/run-inbound.sh [clients] [window]
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-50}
WINDOW=${2:-16}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
JAR=target/kafka-eventbus-bridge.jar
bench/build.sh   # the fat jar when missing, then the generators
work=$(mktemp -d)
cp bench/inbound.json "$work/"
pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }

trap 'pkill -f -- "-conf inbound.json" 2>/dev/null; pkill -f -- "KafkaBroker.java $work" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
. bench/broker.sh
start_broker "$work" 6 bench.inbound

(cd "$work" && exec taskset -c 0 java -Xmx1g "-Dgateway.kafka.bootstrapServers=$kafka" -jar "$OLDPWD/$JAR" -conf inbound.json > node.log 2>&1) &
node=$!
for _ in $(seq 1 120); do
  port=$(grep -o 'STOMP over TCP on port [0-9]*' "$work/node.log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 1
done
[ -n "$port" ] || { echo "node did not start"; cat "$work/node.log"; exit 1; }

results=()
for run in $(seq 1 "$RUNS"); do
  line=$(pin 1 java -cp "$JAR:bench/target/classes" io.kafkabridge.bench.InboundBench "$port" "$CLIENTS" "$WINDOW" "$WARMUP" "$SECONDS_PER_RUN")
  echo "run $run: $line"
  results+=("$line")
done
java_pid=$(pgrep -f -- "-conf inbound.json" | head -1 || true)
node_cpu=$( [ -n "$java_pid" ] && ps -o times= -p "$java_pid" | tr -d ' ' || echo "?")s
printf '%s\n' "${results[@]}" > "$work/runs.jsonl"
out=bench/results/inbound-$(date -u +%Y-%m-%d).md
python3 - "$work/runs.jsonl" "$out" "$CLIENTS" "$WINDOW" "$node_cpu" <<'PY'
import json, sys, datetime
sys.path.insert(0, "bench")
from benchlib import cpu_model, java_version, sh
import benchlib
runs = [json.loads(l) for l in open(sys.argv[1])]
out, clients, window, node_cpu = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
def mmm(k, fmt="{:.0f}"):
    return benchlib.mmm([r[k] for r in runs], fmt)
with open(out, "w") as f:
    f.write(f"# Inbound benchmark ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)\n\n")
    f.write(f"Machine: {cpu_model()}, {sh('nproc')} cores; {java_version()}; "
            f"gateway pinned to CPU 0, generator and a standalone Kafka broker pinned to CPU 1.\n\n")
    f.write(f"STOMP over TCP, {clients} clients, window {window} unacknowledged SENDs each, 100-byte JSON bodies, "
            f"sink with idempotent producer and acks=all; RECEIPT only after Kafka acknowledged. {len(runs)} runs.\n\n")
    f.write("| figure | min / median / max |\n|---|---|\n")
    f.write(f"| acknowledged messages/s | {mmm('perSecond')} |\n")
    f.write(f"| receipt latency p50 (ms) | {mmm('p50Ms', '{:.2f}')} |\n")
    f.write(f"| receipt latency p99 (ms) | {mmm('p99Ms', '{:.2f}')} |\n")
    f.write(f"| receipt latency p99.9 (ms) | {mmm('p999Ms', '{:.2f}')} |\n")
    f.write(f"| errors | {mmm('errors')} |\n")
    f.write(f"| generator CPU (cores) | {mmm('generatorCpuCores', '{:.2f}')} |\n\n")
    f.write(f"Gateway process CPU time over all runs: {node_cpu}.\n\nRaw runs:\n\n```\n")
    f.writelines(json.dumps(r) + "\n" for r in runs)
    f.write("```\n")
print("wrote", out)
PY
