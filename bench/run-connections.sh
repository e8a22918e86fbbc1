#!/usr/bin/env bash
# Connections benchmark: how many idle connections one node holds and what each costs. For each of RUNS runs, starts a
# fresh gateway node (embedded Kafka, the route of bench/connections.json) pinned to CPU 0, measures it (two full GCs,
# used heap, live objects, RSS, open files), lets the generator (io.kafkabridge.bench.ConnectionsBench, pinned to CPU 1) open N
# connections subscribed to one address and hold them, measures again, has the generator produce ONE record that every
# connection must receive, closes the connections and stops the node. Writes min / median / max of the per-connection
# costs to bench/results/connections-<mode>-<connections>-<date>.md.
# Usage: bench/run-connections.sh [sockjs|stomp] [connections]
# Environment: RUNS (3), NODE_HEAP (1g), PARALLELISM (200 connects in flight), SETTLE (5 s between the last connection
# and the measurement), CONNECT_TIMEOUT (600 s), DELIVERY_TIMEOUT (60 s).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-sockjs}
CONNECTIONS=${2:-19000}
RUNS=${RUNS:-3}
NODE_HEAP=${NODE_HEAP:-1g}
PARALLELISM=${PARALLELISM:-200}
SETTLE=${SETTLE:-5}
CONNECT_TIMEOUT=${CONNECT_TIMEOUT:-600}
DELIVERY_TIMEOUT=${DELIVERY_TIMEOUT:-60}
NOFILE=20000   # the per-process open-files limit the target is stated for
JAR=target/kafka-eventbus-bridge.jar
# node log warnings every run has: anonymous mode (no auth section) and the embedded broker's first start
EXPECTED_WARNINGS='ANONYMOUS MODE|Performing controller activation'
case "$MODE" in stomp|sockjs) ;; *) echo "mode must be stomp or sockjs" >&2; exit 2 ;; esac
bench/build.sh   # the fat jar when missing, then the generators
for tool in jcmd jstat taskset python3; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done

# exactly 20,000 open files, soft AND hard, for the node and the generator (both inherit it): a hard limit above it would
# let the JVM raise its soft limit on its own (-XX:+MaxFDLimit, on by default)
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge "$NOFILE" ]; then
  ulimit -n "$NOFILE"
  nofile_note="$NOFILE (soft and hard)"
else
  ulimit -n "$hard"
  nofile_note="$hard (soft and hard): the hard limit is below $NOFILE"
  echo "warning: the hard open-files limit is $hard, below $NOFILE" >&2
fi
nofile=$(ulimit -n)
echo "open-files limit for the gateway and the generator: $nofile_note" >&2
if [ "$nofile" -lt $((CONNECTIONS + 300)) ]; then
  echo "warning: $CONNECTIONS connections + ~300 files of the JVM, Kafka and the broker may not fit in $nofile" >&2
fi
# every client socket needs its own ephemeral port towards the node's one listening port
read -r port_lo port_hi < /proc/sys/net/ipv4/ip_local_port_range
ports=$((port_hi - port_lo + 1))
if [ "$ports" -lt $((CONNECTIONS + 100)) ]; then
  echo "warning: net.ipv4.ip_local_port_range $port_lo-$port_hi gives $ports ephemeral ports, too few for $CONNECTIONS" \
    "connections (sysctl -w net.ipv4.ip_local_port_range='1024 65535')" >&2
fi

pin0=(); pin1=()
command -v taskset >/dev/null && { pin0=(taskset -c 0); pin1=(taskset -c 1); }
results_dir=$(mktemp -d)
work=""; launcher=""; node_pid=""; gen_pid=""

stop_generator() {
  if [ -n "$gen_pid" ]; then
    exec 7>&-   # end of input: the generator exits
    for _ in $(seq 1 20); do kill -0 "$gen_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$gen_pid" 2>/dev/null || true
    wait "$gen_pid" 2>/dev/null || true
    gen_pid=""
  fi
}
stop_node() {
  local pid=${node_pid:-$launcher}
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$launcher" 2>/dev/null || true
  fi
  node_pid=""; launcher=""
  [ -n "$work" ] && rm -rf "$work"
  work=""
}
cleanup() {
  stop_generator
  stop_node
  rm -rf "$results_dir"
}
trap cleanup EXIT

start_node() {
  work=$(mktemp -d)
  cp bench/connections.json "$work/"
  (cd "$work" && exec "${pin0[@]}" java "-Xmx$NODE_HEAP" -jar "$OLDPWD/$JAR" -conf connections.json > node.log 2>&1) &
  launcher=$!
  for _ in $(seq 1 120); do
    grep -q 'Gateway node started' "$work/node.log" 2>/dev/null && break
    kill -0 "$launcher" 2>/dev/null || break
    sleep 1
  done
  local line
  line=$(grep -m1 'Gateway node started' "$work/node.log" || true)
  [ -n "$line" ] || { echo "node did not start"; cat "$work/node.log"; exit 1; }
  http_port=$(grep -o 'HTTP on port [0-9]*' <<<"$line" | grep -o '[0-9]*$')
  stomp_port=$(grep -o 'STOMP over TCP on port [0-9]*' <<<"$line" | grep -o '[0-9]*$')
  kafka=$(grep -m1 -o 'Embedded Kafka broker listening on [0-9.]*:[0-9]*' "$work/node.log" | awk '{print $NF}')
  [ -n "$kafka" ] || { echo "no embedded broker address in the node log"; cat "$work/node.log"; exit 1; }
  # the gateway JVM: the java process whose command line names our config and whose cwd is our work directory
  local pid
  for pid in $(pgrep -f -- "-conf connections.json" || true); do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] && [ "$(readlink "/proc/$pid/cwd")" = "$work" ]; then
      node_pid=$pid
    fi
  done
  [ -n "$node_pid" ] || { echo "cannot find the gateway java process"; exit 1; }
  node_nofile=$(awk '/^Max open files/ { print $4 }' "/proc/$node_pid/limits")
  echo "gateway pid $node_pid: HTTP $http_port, STOMP $stomp_port, Kafka $kafka; open files $node_nofile" >&2
}

# two full GCs: `GC.run`, then `GC.class_histogram`, whose own full GC is followed by a count of the live objects (the
# exact heap after a full GC, in bytes, by class in $2); then used heap and capacity from jstat (KB: the live objects
# plus what the node allocated since, so a little noisier), RSS (KB) and open files
measure() {
  local pid=$1 histogram=$2
  jcmd "$pid" GC.run > /dev/null
  jcmd "$pid" GC.class_histogram > "$histogram"
  m_live=$(awk '$1 == "Total" { print $3 }' "$histogram")
  read -r m_heap m_capacity < <(jstat -gc "$pid" | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
    NR == 2 { printf "%.0f %.0f\n", $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"], $col["S0C"] + $col["S1C"] + $col["EC"] + $col["OC"] }')
  m_rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
  m_fds=$(ls "/proc/$pid/fd" | wc -l)
}

# waits until the generator printed a line matching $1 (at most $2 s); prints it
await_line() {
  local pattern=$1 timeout=$2 line
  for _ in $(seq 1 $((timeout * 5))); do
    line=$(grep -m1 -E "$pattern" "$work/gen.out" || true)
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    kill -0 "$gen_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "the generator did not print $pattern" >&2
  tail -20 "$work/gen.out" "$work/gen.err" >&2
  return 1
}

per_conn() { awk -v a="$1" -v b="$2" -v n="$3" -v unit="$4" 'BEGIN { if (n > 0) printf "%.3f", (b - a) / unit / n; else print "null" }'; }

: > "$results_dir/warnings.txt"
for run in $(seq 1 "$RUNS"); do
  start_node
  mkfifo "$work/gen.in"
  "${pin1[@]}" java -Xmx1g "-DconnectParallelism=$PARALLELISM" "-DconnectTimeoutSec=$CONNECT_TIMEOUT" \
    "-DdeliveryTimeoutSec=$DELIVERY_TIMEOUT" -cp "$JAR:bench/target/classes" io.kafkabridge.bench.ConnectionsBench "$MODE" "$http_port" "$stomp_port" \
    "$kafka" "$CONNECTIONS" < "$work/gen.in" > "$work/gen.out" 2> "$work/gen.err" &
  gen_pid=$!
  exec 7> "$work/gen.in"
  gen_nofile=$(awk '/^Max open files/ { print $4 }' "/proc/$gen_pid/limits" 2>/dev/null || echo "?")

  await_line '^READY$' 240 > /dev/null
  measure "$node_pid" "$work/histogram-before.txt"
  heap0=$m_heap; cap0=$m_capacity; rss0=$m_rss; fds0=$m_fds; live0=$m_live
  echo "run $run baseline: heap $heap0 KB, live $live0 B, RSS $rss0 KB, $fds0 fds" >&2

  echo connect >&7
  holding=$(await_line '^HOLDING [0-9]+$' $((CONNECT_TIMEOUT + 120)))
  held=${holding#HOLDING }
  sleep "$SETTLE"
  measure "$node_pid" "$work/histogram-holding.txt"
  heap1=$m_heap; cap1=$m_capacity; rss1=$m_rss; fds1=$m_fds; live1=$m_live
  echo "run $run holding $held: heap $heap1 KB, live $live1 B, RSS $rss1 KB, $fds1 fds" >&2

  echo deliver >&7
  json=$(await_line '^\{.*\}$' $((DELIVERY_TIMEOUT + 180)))   # a whole line: grep may see it half-written
  fds2=$(ls "/proc/$node_pid/fd" | wc -l)   # after the generator closed everything and the node counted none
  stop_generator
  warnings=$(grep -cE ' (WARN|ERROR) ' "$work/node.log" || true)
  grep -E ' (WARN|ERROR) ' "$work/node.log" | grep -vE "$EXPECTED_WARNINGS" | cut -c14- | cut -c1-200 \
    | sed "s/^/run $run: /" > "$work/unexpected.txt" || true
  unexpected=$(wc -l < "$work/unexpected.txt")
  [ "$unexpected" -eq 0 ] || { echo "run $run: $unexpected unexpected WARN/ERROR lines in the node log:" >&2; head -5 "$work/unexpected.txt" >&2; }
  cat "$work/unexpected.txt" >> "$results_dir/warnings.txt"
  cp "$work/histogram-before.txt" "$results_dir/histogram-before.txt"
  cp "$work/histogram-holding.txt" "$results_dir/histogram-holding.txt"
  json="${json%\}},\"heapBeforeKb\":$heap0,\"heapHoldingKb\":$heap1,\"heapCapacityBeforeKb\":$cap0,\"heapCapacityHoldingKb\":$cap1"
  json+=",\"liveBeforeBytes\":$live0,\"liveHoldingBytes\":$live1,\"rssBeforeKb\":$rss0,\"rssHoldingKb\":$rss1"
  json+=",\"fdsBefore\":$fds0,\"fdsHolding\":$fds1,\"fdsAfterClose\":$fds2"
  json+=",\"heapPerConnKb\":$(per_conn "$heap0" "$heap1" "$held" 1),\"livePerConnKb\":$(per_conn "$live0" "$live1" "$held" 1024)"
  json+=",\"rssPerConnKb\":$(per_conn "$rss0" "$rss1" "$held" 1),\"gatewayNofile\":\"$node_nofile\",\"generatorNofile\":\"$gen_nofile\""
  json+=",\"warnings\":$warnings,\"unexpectedWarnings\":$unexpected}"
  echo "run $run: $json"
  echo "$json" >> "$results_dir/runs.jsonl"
  stop_node
done

mkdir -p bench/results
out=bench/results/connections-$MODE-$CONNECTIONS-$(date -u +%Y-%m-%d).md
python3 - "$results_dir" "$out" "$MODE" "$CONNECTIONS" "$JAR" "$NODE_HEAP" "$nofile_note" "$port_lo-$port_hi" "$SETTLE" <<'PY'
import json, os, statistics, sys, datetime
sys.path.insert(0, "bench")
from benchlib import java_version, machine, versions as jar_versions
import benchlib
results, out, mode, conns, jar, heap, nofile_note, port_range, settle = sys.argv[1:10]
runs = [json.loads(l) for l in open(os.path.join(results, "runs.jsonl"))]
def mmm(k, fmt="{:.0f}"):
    return benchlib.mmm([k(r) if callable(k) else r.get(k) for r in runs], fmt)
versions = jar_versions(jar)
def histogram(path):
    classes = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 4 and parts[0].endswith(":") and parts[1].isdigit():
            classes[" ".join(parts[3:])] = (int(parts[1]), int(parts[2]))
    return classes
target = 20 if mode == "sockjs" else 30
proto = ("SockJS bridge, raw WebSocket /eventbus/websocket (HTTP upgrade, one register frame, no pings)" if mode == "sockjs"
         else "STOMP 1.2 over TCP (CONNECT with heart-beat 0,0, SUBSCRIBE with receipt)")
r0 = runs[0]
with open(out, "w") as f:
    f.write(f"# Connections benchmark, {mode}, {conns} connections ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC)\n\n")
    f.write(f"Machine: {machine()}; {java_version()}; {versions}. A fresh gateway node per run "
            f"(with its embedded Kafka broker, heap {heap}, JVM defaults otherwise) pinned to CPU 0; generator pinned to "
            f"CPU 1. Open-files limit of both processes: {nofile_note} (node: {r0['gatewayNofile']}, generator: "
            f"{r0['generatorNofile']}); ephemeral ports {port_range}.\n\n")
    f.write(f"{proto}; all connections subscribe to one address (`bench.idle`), at most {r0['connectParallelism']} "
            f"connecting at once, then stay silent: the node's `limits.idleTimeoutMs` is 10 minutes so no heart-beats or "
            f"pings are needed. Baseline after a canary connection received a probe record (consumer assigned, classes "
            f"loaded); measurement {settle} s after the last connection. Each measurement: two full GCs (`jcmd GC.run`, "
            f"then `jcmd GC.class_histogram`, which counts the live objects right after its own full GC: the heap "
            f"figure), then used heap from `jstat -gc` (S0U+S1U+EU+OU: the same plus what the node allocated meanwhile), "
            f"VmRSS, open files. Per connection = (holding − baseline) / connections held. Then one record is produced "
            f"to the routed topic and must reach every connection. {len(runs)} runs.\n\n")
    live = statistics.median(r["livePerConnKb"] for r in runs)
    held_min = min(r["held"] for r in runs)
    verdict = "met" if live < target and held_min >= 19000 else ("heap met, but below 19,000 connections" if live < target else "not met")
    f.write(f"Target: 19,000 idle connections on one node with under {target} KB of heap each. Here: {held_min} held "
            f"(fewest of the runs), median {live:.2f} KB of live heap per connection: {verdict}.\n\n")
    f.write("| figure | min / median / max |\n|---|---|\n")
    rows = [("connections held (client side)", "held", "{:.0f}"),
            ("connections open (node's /health)", "gatewayOpen", "{:.0f}"),
            ("subscriptions (node's /health)", "gatewaySubscriptions", "{:.0f}"),
            ("**heap per connection: live objects after full GC (KB)**", "livePerConnKb", "{:.2f}"),
            ("heap used per connection, jstat right after (KB)", "heapPerConnKb", "{:.2f}"),
            ("RSS per connection (KB)", "rssPerConnKb", "{:.2f}"),
            ("live heap at baseline (MB)", lambda r: r["liveBeforeBytes"] / 2**20, "{:.1f}"),
            ("live heap holding (MB)", lambda r: r["liveHoldingBytes"] / 2**20, "{:.1f}"),
            ("RSS at baseline (MB)", lambda r: r["rssBeforeKb"] / 1024, "{:.1f}"),
            ("RSS holding (MB)", lambda r: r["rssHoldingKb"] / 1024, "{:.1f}"),
            ("open files at baseline", "fdsBefore", "{:.0f}"),
            ("open files holding", "fdsHolding", "{:.0f}"),
            ("open files after the clients closed", "fdsAfterClose", "{:.0f}"),
            ("connect + subscribe time, all connections (s)", "connectSec", "{:.2f}"),
            ("connections that received the one record", "delivered", "{:.0f}"),
            ("delivery: producer send() to the first connection (ms)", "deliveryFirstMs", "{:.1f}"),
            ("delivery: producer send() to the last connection (ms)", "deliveryLastMs", "{:.1f}"),
            ("connect errors", "connectErrors", "{:.0f}"),
            ("error frames", "errorFrames", "{:.0f}"),
            ("disconnects while held", "disconnects", "{:.0f}"),
            ("close time, until the node counts none (s)", "closeSec", "{:.2f}"),
            ("generator heap per connection (KB)", "generatorHeapPerConnKb", "{:.2f}"),
            ("WARN/ERROR lines in the node log (all / unexpected)", None, None)]
    for label, key, fmt in rows:
        if key is None:
            f.write(f"| {label} | {mmm('warnings')} ; {mmm('unexpectedWarnings')} |\n")
        else:
            f.write(f"| {label} | {mmm(key, fmt)} |\n")
    f.write("\n")
    before = histogram(os.path.join(results, "histogram-before.txt"))
    holding = histogram(os.path.join(results, "histogram-holding.txt"))
    held = runs[-1]["held"]
    if held:
        delta = []
        for name, (n, b) in holding.items():
            n0, b0 = before.get(name, (0, 0))
            delta.append((b - b0, n - n0, name))
        delta.sort(reverse=True)
        f.write(f"Live objects per connection by class, last run (class histogram, holding − baseline, / {held}):\n\n")
        f.write("| class | instances / conn | bytes / conn |\n|---|---|---|\n")
        for b, n, name in delta[:15]:
            f.write(f"| `{name}` | {n / held:.2f} | {b / held:.0f} |\n")
        f.write("\n")
    base = sorted(((b, n, name) for name, (n, b) in before.items()), reverse=True)[:5]
    f.write(f"Baseline live objects, last run: {sum(b for b, _, _ in ((v[1], v[0], k) for k, v in before.items())) / 2**20:.1f} MB; "
            "largest classes: " + ", ".join(f"`{name.split(' ')[0]}` {b / 2**20:.1f} MB" for b, n, name in base) + ".\n\n")
    top = open(os.path.join(results, "warnings.txt")).read().strip()
    if top:
        lines = top.splitlines()
        f.write(f"Unexpected node WARN/ERROR lines ({len(lines)}, first 10):\n\n```\n" + "\n".join(lines[:10]) + "\n```\n\n")
    f.write("Raw runs:\n\n```\n")
    f.writelines(json.dumps(r) + "\n" for r in runs)
    f.write("```\n")
print("wrote", out)
PY
