#!/usr/bin/env bash
# Starts the Spring Boot STOMP benchmark peer in the background (builds its jar first if missing), pinned to one CPU
# like the gateway in bench/run.py, waits until Tomcat listens and the Kafka consumer has its partitions, and
# prints key=value lines on stdout: pid, port, wsPath, sockjsPath, destination. The server keeps running: stop it with
# stop.sh <workdir>. On failure prints the log, stops what it started and exits 1.
# Usage: bench/peers/spring-stomp/start.sh <workdir> <kafkaBootstrap> <topic> [--extra.spring=args ...]
# Environment: PEER_CPU (0: CPU list for taskset), PEER_HEAP (1g), PEER_PORT (0: any free port),
# PEER_START_TIMEOUT (120 s).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 <workdir> <kafkaBootstrap> <topic> [--spring.option=value ...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
workdir=$1
kafka=$2
topic=$3
shift 3
jar=$here/target/spring-stomp-peer.jar
log=$workdir/spring.log
[ -f "$jar" ] || mvn -B -q -f "$here/pom.xml" package -DskipTests >&2
mkdir -p "$workdir"

# as many open files as allowed: every subscriber is one socket
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "${PEER_CPU:-0}"); fi

# exec in the subshell: $! is then the java process itself (taskset execs java too)
( exec "${pin[@]}" java "-Xmx${PEER_HEAP:-1g}" -jar "$jar" "--server.port=${PEER_PORT:-0}" \
    "--spring.kafka.bootstrap-servers=$kafka" "--bench.topic=$topic" "$@" > "$log" 2>&1 < /dev/null ) &
pid=$!
echo "$pid" > "$workdir/spring.pid"

fail() {
  echo "spring-stomp peer did not start: $1" >&2
  cat "$log" >&2 || true
  "$here/stop.sh" "$workdir" >&2 || true
  exit 1
}

# ready = Tomcat listening (its port) + the application started + the listener's partitions assigned (the consumer
# starts at latest: records produced before the assignment would never reach anybody)
port=""
for _ in $(seq 1 $(( ${PEER_START_TIMEOUT:-120} * 2 ))); do
  kill -0 "$pid" 2>/dev/null || fail "the java process exited"
  [ -n "$port" ] || port=$(grep -m1 -o 'Tomcat started on port [0-9]*' "$log" 2>/dev/null | grep -o '[0-9]*$' || true)
  if [ -n "$port" ] && grep -q 'Started SpringStompPeerApplication' "$log" \
      && grep -q "partitions assigned: \[$topic-" "$log"; then
    echo "pid=$pid"
    echo "port=$port"
    echo "wsPath=/stomp"
    echo "sockjsPath=/stomp-sockjs"
    echo "destination=/topic/$topic"
    echo "version=$(grep -m1 -A0 "<version>3" "$here/pom.xml" | sed "s/[^0-9.]//g")"
    exit 0
  fi
  sleep 0.5
done
fail "not ready after ${PEER_START_TIMEOUT:-120} s"
