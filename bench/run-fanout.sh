#!/usr/bin/env bash
# Fan-out benchmark: one Kafka record, N subscribers of its address. Starts one gateway node (embedded Kafka, one
# partition, the route of bench/fanout.json) pinned to CPU 0, runs the generator (N subscribers + a fixed-rate Kafka
# producer in one JVM, bench/FanoutBench.java) pinned to CPU 1, RUNS times, and writes min / median / max to
# bench/results/fanout-<mode>-<subscribers>-<date>.md.
# Usage: bench/run-fanout.sh [stomp|sockjs] [subscribers] [rate]
# Environment: RUNS (3), WARMUP (5 s), SECONDS_PER_RUN (15 s), GRACE (5 s), PAYLOAD (100 bytes), NODE_HEAP (1g),
# IDLE_WAIT (180 s: longest wait for the node to go idle before a run).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-stomp}
SUBSCRIBERS=${2:-1000}
RATE=${3:-2000}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
GRACE=${GRACE:-5}
PAYLOAD=${PAYLOAD:-100}
NODE_HEAP=${NODE_HEAP:-1g}
IDLE_WAIT=${IDLE_WAIT:-180}
JAR=target/kafka-eventbus-bridge.jar
case "$MODE" in stomp|sockjs) ;; *) echo "mode must be stomp or sockjs" >&2; exit 2 ;; esac
[ -f "$JAR" ] || mvn -B -q package -DskipTests

# as many open files as allowed, for the node and the generator (both inherit it)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((SUBSCRIBERS + 1000)) ]; then
  echo "warning: open-files limit $nofile is low for $SUBSCRIBERS subscribers" >&2
fi

work=$(mktemp -d)
cp bench/fanout.json "$work/"
pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

(cd "$work" && exec taskset -c 0 java "-Xmx$NODE_HEAP" -jar "$OLDPWD/$JAR" -conf fanout.json > node.log 2>&1) &
launcher=$!
node_pid=""
cleanup() {
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
kafka=$(grep -m1 -o 'Embedded Kafka broker listening on [0-9.]*:[0-9]*' "$work/node.log" | awk '{print $NF}')
[ -n "$kafka" ] || { echo "no embedded broker address in the node log"; cat "$work/node.log"; exit 1; }

# the gateway JVM: the java process whose command line names our config and whose cwd is our work directory
for pid in $(pgrep -f -- "-conf fanout.json" || true); do
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] && [ "$(readlink "/proc/$pid/cwd")" = "$work" ]; then
    node_pid=$pid
  fi
done
[ -n "$node_pid" ] || { echo "cannot find the gateway java process"; exit 1; }
echo "gateway pid $node_pid: HTTP $http_port, STOMP $stomp_port, Kafka $kafka; open files $nofile" >&2

# before each run, wait (at most IDLE_WAIT s) until the node has drained what the previous run left queued (< 20% of
# a core): above its capacity the node keeps fanning out the backlog for a while after the clients are gone
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
results=()
drains=()
wait_idle
for run in $(seq 1 "$RUNS"); do
  out=$(pin 1 java -Xmx1g "-DclkTck=$clk_tck" -cp "$JAR" bench/FanoutBench.java "$MODE" "$http_port" "$stomp_port" "$kafka" \
    "$SUBSCRIBERS" "$RATE" "$WARMUP" "$SECONDS_PER_RUN" "$node_pid" "$PAYLOAD" "$GRACE") || { echo "run $run failed"; echo "$out"; exit 1; }
  json=$(grep '^{' <<<"$out" | tail -1)
  echo "run $run: $json"
  results+=("$json")
  wait_idle   # the backlog the run left, drained after its clients left
  echo "node busy for ${waited} s after run $run" >&2
  drains+=("$waited")
done
ticks_after=$(cpu_ticks "$node_pid")
node_cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v t="$clk_tck" 'BEGIN { printf "%.1f", (b - a) / t }')
node_rss=$(awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$node_pid/status")
warnings=$(grep -cE ' (WARN|ERROR) ' "$work/node.log" || true)
grep -E ' (WARN|ERROR) ' "$work/node.log" | grep -v 'anonymous' | cut -c14- | cut -c1-200 | sort | uniq -c | sort -rn | head -5 > "$work/warnings.txt" || true
printf '%s\n' "${results[@]}" > "$work/runs.jsonl"
mkdir -p bench/results
out=bench/results/fanout-$MODE-$SUBSCRIBERS-$(date -u +%Y-%m-%d).md
python3 - "$work/runs.jsonl" "$out" "$MODE" "$SUBSCRIBERS" "$RATE" "$node_cpu" "$node_rss" "$warnings" "$work/warnings.txt" "$JAR" "$NODE_HEAP" "${drains[*]}" <<'PY'
import json, statistics, subprocess, sys, datetime, zipfile
runs = [json.loads(l) for l in open(sys.argv[1])]
out, mode, subs, rate, node_cpu, node_rss, warnings, warnfile, jar, heap, drains = sys.argv[2:13]
def mmm(k, fmt="{:.0f}"):
    v = sorted(r[k] for r in runs if r.get(k) is not None)
    if not v: return "n/a"
    return " / ".join(fmt.format(x) for x in (v[0], statistics.median(v), v[-1]))
sh = lambda c: subprocess.run(["sh", "-c", c], capture_output=True, text=True).stdout.strip()
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
def prop(name, key="version"):
    try:
        with zipfile.ZipFile(jar) as z:
            for line in z.read(name).decode().splitlines():
                if line.startswith(key + "="): return line.split("=", 1)[1]
    except KeyError: pass
    return "?"
versions = (f"gateway {prop('META-INF/maven/io.kafkabridge/kafka-eventbus-bridge/pom.properties')}, "
            f"Vert.x {prop('META-INF/maven/io.vertx/vertx-core/pom.properties')}, "
            f"Kafka {prop('kafka/kafka-version.properties')}")
r0 = runs[0]
proto = "STOMP 1.2 over TCP (heart-beat 0,0, SUBSCRIBE with receipt)" if mode == "stomp" else \
        "SockJS bridge raw WebSocket /eventbus/websocket (register, ping every 20 s)"
with open(out, "w") as f:
    f.write(f"# Fan-out benchmark, {mode}, {subs} subscribers ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)\n\n")
    f.write(f"Machine: {cpu}, {sh('nproc')} cores, {sh('uname -sr')}; {java}; {versions}. "
            f"Gateway (with its embedded Kafka broker, heap {heap}) pinned to CPU 0; generator (subscribers and the "
            f"Kafka producer in one JVM) pinned to CPU 1.\n\n")
    f.write(f"{proto}; {subs} subscribers of one address; a producer (acks=1, linger 1 ms) sends {rate} records/s of "
            f"{r0['payloadBytes']} bytes to one partition of the routed topic, i.e. {int(rate) * int(subs)} messages/s offered "
            f"to the clients. Warm-up {r0['warmupSec']} s, measured {r0['seconds']} s, {len(runs)} runs. Latency is producer "
            f"send() to client receive, same JVM clock, sampled every {r0['sampleStride']} message(s) per client.\n\n")
    f.write("| figure | min / median / max |\n|---|---|\n")
    f.write(f"| records offered/s | {mmm('offeredPerSecond')} |\n")
    f.write(f"| delivered messages/s (all clients) | {mmm('deliveredPerSecond')} |\n")
    f.write(f"| delivered / offered (rates, in the window) | {mmm('deliveredRatio', '{:.4f}')} |\n")
    f.write(f"| messages of window records delivered by the end of the {r0.get('graceSec', '?')} s grace / expected | {mmm('windowDeliveredRatio', '{:.4f}')} |\n")
    f.write(f"| latency p50 (ms) | {mmm('p50Ms', '{:.2f}')} |\n")
    f.write(f"| latency p99 (ms) | {mmm('p99Ms', '{:.2f}')} |\n")
    f.write(f"| latency p99.9 (ms) | {mmm('p999Ms', '{:.2f}')} |\n")
    f.write(f"| latency max (ms) | {mmm('maxMs', '{:.2f}')} |\n")
    f.write(f"| gateway CPU (cores, of 1) | {mmm('gatewayCpuCores', '{:.2f}')} |\n")
    f.write(f"| gateway CPU per delivered message (µs) | {mmm('gatewayCpuUsPerDelivered', '{:.2f}')} |\n")
    f.write(f"| gateway event-loop CPU per delivered message (µs) | {mmm('gatewayEventLoopUsPerDelivered', '{:.2f}')} |\n")
    for group in sorted({g for r in runs for g in (r.get('gatewayCpuSecByThread') or {})}):
        v = sorted((r.get('gatewayCpuSecByThread') or {}).get(group, 0) / r['seconds'] for r in runs)
        f.write(f"| gateway CPU, {group} threads (cores) | {' / '.join(f'{x:.2f}' for x in (v[0], statistics.median(v), v[-1]))} |\n")
    f.write(f"| generator CPU (cores, of 1) | {mmm('generatorCpuCores', '{:.2f}')} |\n")
    f.write(f"| time to connect + subscribe + probe (s) | {mmm('subscribeSec', '{:.1f}')} |\n")
    f.write(f"| errors / disconnects / producer errors | {mmm('errors')} / {mmm('disconnects')} / {mmm('producerErrors')} |\n\n")
    f.write(f"Gateway + broker process CPU time over all runs (including connect phases): {node_cpu} s; "
            f"its resident memory at the end: {node_rss}. WARN/ERROR lines in the node log: {warnings}. "
            f"After each run the node stayed busy (over 20% of its core, in 1 s samples) for: "
            f"{', '.join(d + ' s' for d in drains.split())} after the run ended and its clients disconnected "
            f"(backlog it was still fanning out).\n\n")
    top = open(warnfile).read().strip()
    if top:
        f.write("Most frequent node warnings:\n\n```\n" + top + "\n```\n\n")
    f.write("Raw runs:\n\n```\n")
    f.writelines(json.dumps(r) + "\n" for r in runs)
    f.write("```\n")
print("wrote", out)
PY
