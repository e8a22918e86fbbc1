#!/usr/bin/env bash
# Per-user routing benchmark: keyed records, each routed to the one address of its user (user.{key}.orders), U users
# connected with their own JWT and allowed only their own address. Starts a standalone Kafka broker (CPU 1) and one gateway node (one
# partition, bench/peruser.json) pinned to CPU 0, runs the generator (U clients + a paced Kafka producer in one JVM,
# io.kafkabridge.bench.PerUserBench: a knee search for the highest rate with delivered >= 99% and p99 < 50 ms) pinned to CPU 1,
# RUNS times against the same node, and writes min / median / max to bench/results/peruser-<mode>-<users>-<date>.md.
# Usage: bench/run-peruser.sh [stomp|sockjs] [users]
# Environment: RUNS (3), START_RATE (5000 records/s), MAX_RATE (1000000), PREHEAT (10 s at the start rate before the
# search, not judged), WARMUP (2 s per step), SECONDS_PER_STEP
# (5 s), BISECTIONS (3), MAX_STEPS (20), DRAIN_WAIT (60 s), P99_LIMIT_MS (50), PAYLOAD (100 bytes), LINGER_MS (1:
# the producer's linger), NODE_HEAP (1g),
# GENERATOR_HEAP (1g), IDLE_WAIT (180 s: longest wait for the node to go idle before a run).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-stomp}
USERS=${2:-10000}
RUNS=${RUNS:-3}
START_RATE=${START_RATE:-5000}
MAX_RATE=${MAX_RATE:-1000000}
PREHEAT=${PREHEAT:-10}
WARMUP=${WARMUP:-2}
SECONDS_PER_STEP=${SECONDS_PER_STEP:-5}
BISECTIONS=${BISECTIONS:-3}
MAX_STEPS=${MAX_STEPS:-20}
DRAIN_WAIT=${DRAIN_WAIT:-60}
P99_LIMIT_MS=${P99_LIMIT_MS:-50}
PAYLOAD=${PAYLOAD:-100}
LINGER_MS=${LINGER_MS:-1}
NODE_HEAP=${NODE_HEAP:-1g}
GENERATOR_HEAP=${GENERATOR_HEAP:-1g}
IDLE_WAIT=${IDLE_WAIT:-180}
JAR=target/kafka-eventbus-bridge.jar
case "$MODE" in stomp|sockjs) ;; *) echo "mode must be stomp or sockjs" >&2; exit 2 ;; esac
bench/build.sh   # the fat jar when missing, then the generators

# as many open files as allowed, for the node and the generator (both inherit it)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((USERS + 1000)) ]; then
  echo "warning: open-files limit $nofile is low for $USERS users" >&2
fi

work=$(mktemp -d)
cp bench/peruser.json "$work/"
pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

. bench/broker.sh
start_broker "$work" 1 bench.users || { rm -rf "$work"; exit 1; }

(cd "$work" && exec taskset -c 0 java "-Xmx$NODE_HEAP" "-Dgateway.kafka.bootstrapServers=$kafka" -jar "$OLDPWD/$JAR" -conf peruser.json > node.log 2>&1) &
launcher=$!
node_pid=""
cleanup() {
  kill -TERM "$broker" 2>/dev/null || true
  local pid=${node_pid:-$launcher}
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$launcher" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  grep -q 'Gateway node started' "$work/node.log" 2>/dev/null && break
  kill -0 "$launcher" 2>/dev/null || break
  sleep 1
done
line=$(grep -m1 'Gateway node started' "$work/node.log" || true)
[ -n "$line" ] || { echo "node did not start"; cat "$work/node.log"; exit 1; }
http_port=$(grep -o 'HTTP on port [0-9]*' <<<"$line" | grep -o '[0-9]*$')
stomp_port=$(grep -o 'STOMP over TCP on port [0-9]*' <<<"$line" | grep -o '[0-9]*$')

# the gateway JVM: the java process whose command line names our config and whose cwd is our work directory
for pid in $(pgrep -f -- "-conf peruser.json" || true); do
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] && [ "$(readlink "/proc/$pid/cwd")" = "$work" ]; then
    node_pid=$pid
  fi
done
[ -n "$node_pid" ] || { echo "cannot find the gateway java process"; exit 1; }
echo "gateway pid $node_pid: HTTP $http_port, STOMP $stomp_port, Kafka $kafka; open files $nofile" >&2

# before each run, wait (at most IDLE_WAIT s) until the node is idle (< 20% of a core): the generator drains the
# backlog of every step before it goes on, so this only covers the closing of the previous run's connections
wait_idle() {
  local a b t0=$SECONDS
  for _ in $(seq 1 "$IDLE_WAIT"); do
    a=$(cpu_ticks "$node_pid"); sleep 1; b=$(cpu_ticks "$node_pid")
    if [ $(( (b - a) * 100 / clk_tck )) -lt 20 ]; then waited=$((SECONDS - t0)); return 0; fi
  done
  waited=">$IDLE_WAIT"
  echo "warning: the node is still busy after $IDLE_WAIT s" >&2
}

ticks_before=$(cpu_ticks "$node_pid")
started=$SECONDS
wait_idle
for run in $(seq 1 "$RUNS"); do
  echo "run $run of $RUNS: $MODE, $USERS users, knee search from $START_RATE records/s" >&2
  if ! pin 1 java "-Xmx$GENERATOR_HEAP" "-DclkTck=$clk_tck" "-Dconfig=bench/peruser.json" "-DstartRate=$START_RATE" \
      "-DmaxRate=$MAX_RATE" "-DpreheatSec=$PREHEAT" "-DwarmupSec=$WARMUP" "-Dseconds=$SECONDS_PER_STEP" "-Dbisections=$BISECTIONS" \
      "-DmaxSteps=$MAX_STEPS" "-DdrainWaitSec=$DRAIN_WAIT" "-Dp99LimitMs=$P99_LIMIT_MS" "-DpayloadBytes=$PAYLOAD" "-DlingerMs=$LINGER_MS" \
      -cp "$JAR:bench/target/classes" io.kafkabridge.bench.PerUserBench "$MODE" "$http_port" "$stomp_port" "$kafka" "$USERS" "$node_pid" \
      | tee "$work/run-$run.out"; then
    echo "run $run failed"; exit 1
  fi
  grep -q '^{' "$work/run-$run.out" || { echo "run $run printed no result line"; exit 1; }
  wait_idle
done
ticks_after=$(cpu_ticks "$node_pid")
elapsed=$((SECONDS - started))
node_cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v t="$clk_tck" 'BEGIN { printf "%.1f", (b - a) / t }')
node_rss=$(awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$node_pid/status")
warnings=$(grep -cE ' (WARN|ERROR) ' "$work/node.log" || true)
grep -E ' (WARN|ERROR) ' "$work/node.log" | cut -c14- | cut -c1-200 | sort | uniq -c | sort -rn | head -5 > "$work/warnings.txt" || true
mkdir -p bench/results
out=bench/results/peruser-$MODE-$USERS-$(date -u +%Y-%m-%d).md
python3 - "$work" "$RUNS" "$out" "$MODE" "$USERS" "$node_cpu" "$node_rss" "$warnings" "$JAR" "$NODE_HEAP" "$elapsed" <<'PY'
import json, sys, datetime
sys.path.insert(0, "bench")
from benchlib import java_version, machine, versions as jar_versions
import benchlib
work, nruns, out, mode, users, node_cpu, node_rss, warnings, jar, heap, elapsed = sys.argv[1:12]
runs, steps = [], []
for i in range(1, int(nruns) + 1):
    lines = open(f"{work}/run-{i}.out").read().splitlines()
    runs.append(json.loads([l for l in lines if l.startswith("{")][-1]))
    steps.append([json.loads(l[5:]) for l in lines if l.startswith("step ")])  # step 0 is the preheat
def mmm(k, fmt="{:.0f}"):
    return benchlib.mmm([r.get(k) for r in runs], fmt)
versions = jar_versions(jar)
r0 = runs[0]
proto = ("STOMP 1.2 over TCP (CONNECT with the JWT as passcode, heart-beat 0,0, SUBSCRIBE with receipt)" if mode == "stomp"
         else "SockJS bridge raw WebSocket /eventbus/websocket?access_token=JWT (register, ping every 20 s)")
with open(out, "w") as f:
    f.write(f"# Per-user routing benchmark, {mode}, {users} users ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)\n\n")
    f.write(f"Machine: {machine()}; {java_version()}; {versions}. "
            f"Gateway (heap {heap}) pinned to CPU 0; a standalone Kafka broker (one partition) and the generator (the "
            f"clients and the Kafka producer in one JVM) pinned to CPU 1. One node for all {len(runs)} runs.\n\n")
    f.write(f"{proto}; {users} users, one connection each with its own HS256 JWT, each subscribed to its own "
            f"`user.u<i>.orders` (outbound rule `user.{{user}}.orders`); route `bench.users` → `user.{{key}}.orders`. "
            f"A producer (acks=1, linger {r0['lingerMs']} ms) sends records keyed `u<i>` (i uniformly random) of about "
            f"{r0['payloadBytes']} bytes. Knee search per run: {r0['preheatSec']} s at the start rate first (not judged: "
            f"JIT), then from {r0['startRate']} records/s, doubling while a step passes (halving if the first fails), "
            f"then bisections; each step {r0['warmupSec']} s warm-up + {r0['seconds']} s measured, then the "
            f"backlog drained. A step passes when the generator paced ≥ 98% of the target, the messages received in the "
            f"window are ≥ {r0['minDeliveredRatio']} of the records offered in it, and their p99 latency (producer "
            f"send() to client receive, same JVM clock) is < {r0['p99LimitMs']} ms.\n\n")
    f.write("| figure | min / median / max |\n|---|---|\n")
    f.write(f"| best passing rate (records/s) | {mmm('bestRate')} |\n")
    f.write(f"| offered at that rate (records/s) | {mmm('bestOfferedPerSecond')} |\n")
    f.write(f"| delivered at that rate (messages/s) | {mmm('bestDeliveredPerSecond')} |\n")
    f.write(f"| latency p50 at that rate (ms) | {mmm('p50Ms', '{:.2f}')} |\n")
    f.write(f"| latency p99 at that rate (ms) | {mmm('p99Ms', '{:.2f}')} |\n")
    f.write(f"| latency p99.9 at that rate (ms) | {mmm('p999Ms', '{:.2f}')} |\n")
    f.write(f"| gateway CPU per record at that rate (µs, process incl. broker) | {mmm('gatewayCpuUsPerRecord', '{:.2f}')} |\n")
    f.write(f"| gateway event-loop CPU per record at that rate (µs) | {mmm('gatewayEventLoopUsPerRecord', '{:.2f}')} |\n")
    f.write(f"| gateway CPU at that rate (cores, of 1) | {mmm('gatewayCpuCores', '{:.2f}')} |\n")
    f.write(f"| generator CPU at that rate (cores, of 1) | {mmm('generatorCpuCores', '{:.2f}')} |\n")
    f.write(f"| lowest failing rate (records/s) | {mmm('firstFailRate')} |\n")
    f.write(f"| gateway CPU at the failing rate (cores, of 1) | {mmm('firstFailGatewayCpuCores', '{:.2f}')} |\n")
    f.write(f"| generator CPU at the failing rate (cores, of 1) | {mmm('firstFailGeneratorCpuCores', '{:.2f}')} |\n")
    f.write(f"| connect + subscribe + probe (s) | {mmm('connectSec', '{:.1f}')} |\n")
    f.write(f"| whole knee search (s) | {mmm('durationSec', '{:.0f}')} |\n\n")
    f.write("Limited by (per run): " + ", ".join(r['limitedBy'] + (f" ({r['firstFailReason']})" if r['firstFailReason'] else "") for r in runs) + ". "
            "`gatewayCpu`: the failing step was paced correctly, the gateway process used ≥ 0.9 of its core; `latency`: "
            "it failed on p99 or delivery with neither process near its core's limit (pauses: GC, other processes on "
            "CPU 0); `generator?`: the generator fell short of the target rate or used > 0.9 cores, so the knee is a "
            "lower bound; `maxRate`: every step passed up to MAX_RATE.\n\n")
    tot = lambda k: sum(r[k] for r in runs)
    f.write(f"Correctness over all runs: {tot('sent')} records sent, {tot('received')} received; misrouted (a message "
            f"for another user) {tot('misrouted')}, lost (sent minus received per user after the drain) {tot('lost')}, "
            f"out of order or duplicated {tot('outOfOrder')}, unparsed {tot('unparsed')}, client errors {tot('errors')}, "
            f"disconnects {tot('disconnects')}, producer errors {tot('producerErrors')}.\n\n")
    f.write(f"Gateway + broker process CPU time over all runs (including connect phases): {node_cpu} s in {elapsed} s; "
            f"its resident memory at the end: {node_rss}. WARN/ERROR lines in the node log: {warnings}.\n\n")
    top = open(f"{work}/warnings.txt").read().strip("\n")
    if top:
        f.write("Most frequent node warnings:\n\n```\n" + top + "\n```\n\n")
    f.write("Steps (rate → offered/s, delivered ratio, p50 / p99 / p99.9 ms, gateway µs per record, generator cores):\n\n")
    for i, run in enumerate(steps, 1):
        f.write(f"- run {i}: " + "; ".join(
            f"{s['phase']} {s['rate']} → {s['offeredPerSecond']:.0f}, {s['deliveredRatio']:.3f}, "
            f"{s['p50Ms']} / {s['p99Ms']} / {s['p999Ms']}, {s['gatewayCpuUsPerRecord']}, {s['generatorCpuCores']} "
            f"{'—' if s['phase'] == 'preheat' else 'pass' if s['pass'] else 'FAIL'}" for s in run) + "\n")
    f.write("\nRaw runs:\n\n```\n")
    for i, run in enumerate(steps):
        f.writelines("step " + json.dumps(s) + "\n" for s in run)
        f.write(json.dumps(runs[i]) + "\n")
    f.write("```\n")
print("wrote", out)
PY
