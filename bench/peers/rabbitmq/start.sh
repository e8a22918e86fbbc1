#!/usr/bin/env bash
# Benchmark peer: a private RabbitMQ node (Debian's rabbitmq-server package) with Web-STOMP, living entirely in
# <workdir> (config, data, logs, Erlang cookie, its own epmd on a private port), pinned to CPU 0 with one Erlang
# scheduler. Installs the package if missing, without letting it start the system-wide service.
# Usage: bench/peers/rabbitmq/start.sh <workdir>
# Prints key=value lines on stdout (pid, stompPort, webStompPort, wsPath, destination, login, passcode) and exits 0
# leaving the node running; bench/peers/rabbitmq/stop.sh <workdir> stops it. Diagnostics go to stderr.
# Environment: CPU (0: the core to pin the node to), SCHEDULERS (1: Erlang schedulers, +S N:N),
# MEMORY_HIGH_WATERMARK (0.4, RabbitMQ's default: share of RAM above which publishers are blocked),
# WS_IDLE_TIMEOUT_MS (600000: Web-STOMP closes WebSockets silent for this long; the gateway's bench config uses 10 min),
# START_TIMEOUT (120 s).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 <workdir>" >&2; exit 2; }
mkdir -p "$1"
work=$(cd "$1" && pwd)
CPU=${CPU:-0}
SCHEDULERS=${SCHEDULERS:-1}
MEMORY_HIGH_WATERMARK=${MEMORY_HIGH_WATERMARK:-0.4}
WS_IDLE_TIMEOUT_MS=${WS_IDLE_TIMEOUT_MS:-600000}
START_TIMEOUT=${START_TIMEOUT:-120}

log() { echo "rabbitmq peer: $*" >&2; }

# Debian's /usr/sbin wrappers switch to the rabbitmq user and its home, dropping our environment: call the real
# scripts in /usr/lib/rabbitmq/bin (they run as the calling user) when they exist.
find_tools() {
  local dir
  for dir in /usr/lib/rabbitmq/bin "$(dirname "$(command -v rabbitmq-server 2>/dev/null || echo /nonexistent/x)")"; do
    if [ -x "$dir/rabbitmq-server" ] && [ -x "$dir/rabbitmqctl" ]; then
      bin=$dir
      return 0
    fi
  done
  return 1
}

install_package() {
  log "installing the Debian package rabbitmq-server (this takes a minute or two)"
  # policy-rc.d answering 101 stops maintainer scripts from starting the service; remove ours afterwards
  local policy=/usr/sbin/policy-rc.d added=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && added=yes
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends rabbitmq-server >&2; }; } || rc=$?
  [ -z "$added" ] || rm -f "$policy"
  [ "$rc" -eq 0 ] || { log "apt-get install rabbitmq-server failed"; exit 1; }
  # if a service manager started the system node anyway, stop it: we run our own node
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl stop rabbitmq-server >&2 2>/dev/null || true
    systemctl disable rabbitmq-server >&2 2>/dev/null || true
  elif [ -x /etc/init.d/rabbitmq-server ] && pgrep -u rabbitmq beam.smp >/dev/null 2>&1; then
    /etc/init.d/rabbitmq-server stop >&2 || true
  fi
}

if ! find_tools; then
  install_package
  find_tools || { log "rabbitmq-server / rabbitmqctl not found after installing the package"; exit 1; }
fi
for tool in epmd python3 taskset setsid; do
  command -v "$tool" >/dev/null || { log "$tool not found"; exit 1; }
done
version=$(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null || echo unknown)
log "rabbitmq-server $version from $bin"

# four free loopback ports: STOMP, Web-STOMP, Erlang distribution, epmd (bound together so they differ)
read -r stomp_port ws_port dist_port epmd_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
PY
)
node="bench$$x$RANDOM@localhost"

mkdir -p "$work/mnesia" "$work/log" "$work/home"
# the CLI tools and the node authenticate with this cookie ($HOME/.erlang.cookie, owner-only)
python3 -c 'import secrets; print(secrets.token_hex(20).upper(), end="")' > "$work/home/.erlang.cookie"
chmod 400 "$work/home/.erlang.cookie"
: > "$work/rabbitmq-env.conf"    # replaces /etc/rabbitmq/rabbitmq-env.conf: nothing from the system node
echo '[rabbitmq_stomp,rabbitmq_web_stomp].' > "$work/enabled_plugins"
echo '[].' > "$work/advanced.config"    # replaces /etc/rabbitmq/advanced.config
cat > "$work/rabbitmq.conf" <<EOF
# Benchmark peer node: loopback only, STOMP + Web-STOMP, no AMQP listener, no management plugin.
listeners.tcp = none
stomp.listeners.tcp.1 = 127.0.0.1:$stomp_port
web_stomp.tcp.ip = 127.0.0.1
web_stomp.tcp.port = $ws_port
web_stomp.ws_path = /ws
# heart-beat 0,0 subscribers that see no message for this long are closed by the WebSocket layer (default 60 s)
web_stomp.ws_opts.idle_timeout = $WS_IDLE_TIMEOUT_MS
# default 0.4 of RAM: publishers are blocked above it
vm_memory_high_watermark.relative = $MEMORY_HIGH_WATERMARK
# guest/guest may log in from loopback only (the default, stated for clarity)
loopback_users.guest = true
log.console = false
log.file.level = info
EOF

cat > "$work/node.env" <<EOF
export HOME='$work/home'
export RABBITMQ_NODENAME='$node'
export RABBITMQ_CONF_ENV_FILE='$work/rabbitmq-env.conf'
export RABBITMQ_CONFIG_FILE='$work/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$work/advanced.config'
export RABBITMQ_ENABLED_PLUGINS_FILE='$work/enabled_plugins'
export RABBITMQ_MNESIA_BASE='$work/mnesia'
export RABBITMQ_LOG_BASE='$work/log'
export RABBITMQ_PID_FILE='$work/beam.pid'
export RABBITMQ_DIST_PORT='$dist_port'
export ERL_EPMD_PORT='$epmd_port'
export ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_BIN='$bin'
EOF
# shellcheck disable=SC1091
. "$work/node.env"
# one scheduler (and one dirty CPU scheduler) on the one core (SCHEDULERS=auto: the VM's own choice); Erlang
# distribution on loopback only
erl_args="-kernel inet_dist_use_interface {127,0,0,1}"
[ "$SCHEDULERS" = auto ] || erl_args="+S $SCHEDULERS:$SCHEDULERS +SDcpu $SCHEDULERS:$SCHEDULERS $erl_args"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="$erl_args"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# our own epmd on a private port, started before the node so we know it is ours (stop.sh kills it)
epmd -daemon -port "$epmd_port" -address 127.0.0.1
echo "$epmd_port" > "$work/epmd.port"

log "starting node $node (STOMP $stomp_port, Web-STOMP $ws_port, dist $dist_port, epmd $epmd_port), pinned to CPU $CPU"
started=$SECONDS
(cd "$work" && exec setsid taskset -c "$CPU" "$bin/rabbitmq-server" > "$work/console.log" 2>&1 < /dev/null) &
echo $! > "$work/launcher.pid"

fail() {
  log "$*"
  echo "--- console.log" >&2; tail -n 60 "$work/console.log" >&2 2>/dev/null || true
  for f in "$work"/log/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 60 "$f" >&2; }; done
  "$(dirname "$0")/stop.sh" "$work" >&2 || true
  exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ready=""
while [ $((SECONDS - started)) -lt "$START_TIMEOUT" ]; do
  kill -0 "$(cat "$work/launcher.pid")" 2>/dev/null || fail "rabbitmq-server exited"
  if port_open "$stomp_port" && port_open "$ws_port"; then ready=yes; break; fi
  sleep 1
done
[ -n "$ready" ] || fail "STOMP / Web-STOMP ports not open after $START_TIMEOUT s"
"$bin/rabbitmqctl" -n "$node" await_startup --timeout 60 >&2 || fail "await_startup failed"

pid=$(cat "$work/beam.pid" 2>/dev/null || true)
[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = beam.smp ] || fail "no beam.smp process for pid '$pid'"
schedulers=$("$bin/rabbitmqctl" -n "$node" -q eval \
  'io_lib:format("~b (dirty CPU ~b, dirty IO ~b)", [erlang:system_info(schedulers_online), erlang:system_info(dirty_cpu_schedulers_online), erlang:system_info(dirty_io_schedulers)]).' 2>/dev/null | tr -d '"' || echo '?')
log "ready after $((SECONDS - started)) s: beam.smp pid $pid, affinity $(taskset -pc "$pid" | awk '{print $NF}'), schedulers online $schedulers"

echo "pid=$pid"
echo "stompPort=$stomp_port"
echo "webStompPort=$ws_port"
echo "wsPath=/ws"
echo "destination=/topic/bench.fanout"
echo "login=guest"
echo "passcode=guest"
echo "node=$node"
echo "version=$(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null | cut -d- -f1)"
