#!/usr/bin/env bash
# Stops the RabbitMQ peer node started by start.sh <workdir>: rabbitmqctl stop, then SIGTERM / SIGKILL of its beam.smp
# if it is still there, then the private epmd start.sh started. Leaves the workdir (logs) in place.
# Usage: bench/peers/rabbitmq/stop.sh <workdir>
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <workdir>" >&2; exit 2; }
work=$(cd "$1" 2>/dev/null && pwd) || { echo "no such workdir: $1" >&2; exit 1; }
[ -f "$work/node.env" ] || { echo "no node.env in $work: nothing to stop" >&2; exit 0; }
# shellcheck disable=SC1091
. "$work/node.env"

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
wait_gone() { for _ in $(seq 1 "$2"); do alive "$1" || return 0; sleep 0.5; done; ! alive "$1"; }
# start.sh ran rabbitmq-server under setsid: its pid is the process group of the script and its beam.smp
group_alive() { [ -n "$launcher" ] && pgrep -g "$launcher" >/dev/null 2>&1; }
wait_group_gone() { for _ in $(seq 1 "$1"); do group_alive || return 0; sleep 0.5; done; ! group_alive; }

pid=$(cat "$work/beam.pid" 2>/dev/null || true)
launcher=$(cat "$work/launcher.pid" 2>/dev/null || true)
# only signal pids that are still the processes we started (a pid could have been reused)
[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != beam.smp ] && pid=""
[ -n "$launcher" ] && [ "$(cat "/proc/$launcher/comm" 2>/dev/null)" != rabbitmq-server ] && launcher=""
if alive "$pid" || group_alive; then
  timeout 60 "$RABBITMQ_BIN/rabbitmqctl" -n "$RABBITMQ_NODENAME" stop >&2 2>&1 || true
  if ! wait_gone "$pid" 30; then
    kill -TERM "$pid" 2>/dev/null
    wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null
  fi
  # anything left of the group (e.g. a VM still booting when stop came, so no pid file yet)
  if ! wait_group_gone 10; then
    kill -TERM -- "-$launcher" 2>/dev/null
    wait_group_gone 20 || kill -KILL -- "-$launcher" 2>/dev/null
  fi
fi

if [ -f "$work/epmd.port" ]; then
  port=$(cat "$work/epmd.port")
  epmd -port "$port" -kill >/dev/null 2>&1 || true
  # still there (epmd refuses -kill while names are registered): kill the one listening on our private port
  for p in $(pgrep -x epmd || true); do
    if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "-port $port\b"; then kill -TERM "$p" 2>/dev/null; fi
  done
  rm -f "$work/epmd.port"
fi
echo "rabbitmq peer $RABBITMQ_NODENAME stopped" >&2
