#!/usr/bin/env bash
# Stops the peer that start.sh started in <workdir>: SIGTERM (Spring's graceful shutdown), SIGKILL after 10 s.
# Usage: bench/peers/spring-stomp/stop.sh <workdir>
set -uo pipefail
if [ $# -lt 1 ]; then echo "usage: $0 <workdir>" >&2; exit 2; fi
pidfile=$1/spring.pid
[ -f "$pidfile" ] || { echo "no $pidfile: nothing to stop" >&2; exit 0; }
pid=$(cat "$pidfile")
# only our java process: the pid may have been reused since
if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ]; then
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "pid $pid still running after 10 s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
fi
rm -f "$pidfile"
