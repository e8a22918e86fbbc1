#!/usr/bin/env python3
"""The whole benchmark in one run: fan-out against the peers (alternating runs), then per-user routing, idle
connections and inbound, each from its own script; writes bench/results/<date>-summary.md (and the raw JSON lines).

Usage: bench/run.sh   (environment: RUNS=3, SUBSCRIBERS="100 1000 10000", PEER_SUBSCRIBERS="1000",
                       PARTS="fanout compression peruser connections inbound", PEERS="ws rabbitmq spring", STEP_SECONDS=4,
                       COMPRESSION_SUBSCRIBERS=1000, COMPRESSION_RATE=20, DEFLATE=0)

Pinning: every server under test on CPU 0 (one at a time is loaded; the others idle on their own Kafka topic), the load
generator and the standalone Kafka broker on CPU 1. See bench/README.md.
"""
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib
import jfr_top
from benchlib import mmm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
JAR = "target/kafka-eventbus-bridge.jar"
RUNS = int(os.environ.get("RUNS", "3"))
SUBSCRIBERS = [int(n) for n in os.environ.get("SUBSCRIBERS", "100 1000 10000").split()]
PEER_SUBSCRIBERS = [int(n) for n in os.environ.get("PEER_SUBSCRIBERS", "1000").split()]
PARTS = os.environ.get("PARTS", "fanout compression peruser connections inbound").split()
PEERS = os.environ.get("PEERS", "ws rabbitmq spring").split()
STEP_SECONDS = os.environ.get("STEP_SECONDS", "3")
# the knee's latency bound (ms); a very large value gives the throughput-only knee (delivered >= 99% of offered)
MAX_P99_MS = os.environ.get("MAX_P99_MS", "100")
# results file name: <date>-<NAME>.md and <date>-<NAME>-fanout.jsonl
NAME = os.environ.get("NAME", "summary")
# 1: every WebSocket client offers permessage-deflate, as browsers do (servers that accept it then compress per client)
DEFLATE = os.environ.get("DEFLATE", "0") == "1"
# the gateway's protocols at the sizes where the peers do not run
GATEWAY_TARGETS = os.environ.get("GATEWAY_TARGETS", "gateway-sockjs gateway-stomp-tcp").split()
CLK_TCK = int(subprocess.run(["getconf", "CLK_TCK"], capture_output=True, text=True).stdout.strip() or 100)
DATE = datetime.datetime.utcnow().strftime("%Y-%m-%d")
WORK = tempfile.mkdtemp(prefix="kebb-bench-")
RESULTS = os.path.join("bench", "results")
processes = []
stoppers = []


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def pinned(cpu, cmd):
    return (["taskset", "-c", str(cpu)] if shutil.which("taskset") else []) + cmd


def raise_nofile():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start(cmd, logfile, cwd=None):
    out = open(logfile, "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.PIPE, cwd=cwd,
                         preexec_fn=raise_nofile)
    processes.append(p)
    return p


def wait_for(logfile, pattern, process, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with open(logfile, errors="replace") as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.5)
    raise SystemExit(f"not ready: /{pattern}/ not in {logfile}:\n" + open(logfile, errors="replace").read()[-3000:])


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_idle(pid, limit=180):
    """Waits until the process uses under 20% of a core (1 s samples): the previous run's backlog is gone."""
    t0 = time.time()
    while time.time() - t0 < limit:
        a = cpu_ticks(pid)
        time.sleep(1)
        if (cpu_ticks(pid) - a) * 100 / CLK_TCK < 20:
            return time.time() - t0
    log(f"warning: pid {pid} still busy after {limit} s")
    return limit


def stop_all():
    for stop in reversed(stoppers):
        try:
            stop()
        except Exception as e:  # noqa: BLE001 - best effort on the way out
            log("stop failed:", e)
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()


def build():
    if not os.path.exists(JAR):
        subprocess.run(["mvn", "-B", "-q", "package", "-DskipTests"], check=True)


def start_broker(topics, name="kafka"):
    logfile = os.path.join(WORK, f"{name}.log")
    p = start(pinned(1, ["java", "-Xmx1g", "-cp", JAR, "bench/KafkaBroker.java", os.path.join(WORK, name), "1"] + topics),
              logfile)
    return wait_for(logfile, r"KAFKA_READY (\S+)", p).group(1), p.pid


def start_gateway(name, config, heap="1g"):
    d = os.path.join(WORK, name)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f)
    logfile = os.path.join(d, "node.log")
    p = start(pinned(0, ["java", f"-Xmx{heap}", "-jar", os.path.join(ROOT, JAR), "-conf", "config.json"]), logfile, cwd=d)
    line = wait_for(logfile, r"Gateway node started.*", p).group(0)
    http = int(re.search(r"HTTP on port (\d+)", line).group(1))
    stomp = int(re.search(r"STOMP over TCP on port (\d+)", line).group(1))
    return {"pid": p.pid, "http": http, "stomp": stomp, "log": logfile}


def start_script(script, *args):
    """A peer's start.sh: prints key=value lines, leaves the server running; its stop.sh ends it."""
    d = os.path.join(WORK, os.path.basename(os.path.dirname(script)))
    os.makedirs(d, exist_ok=True)
    out = subprocess.run([script, d] + list(args), capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"{script} failed:\n{out.stdout}\n{out.stderr}")
    stoppers.append(lambda: subprocess.run([os.path.join(os.path.dirname(script), "stop.sh"), d], timeout=120))
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


def run_generator(props, label):
    cmd = pinned(1, ["java", "-Xmx2g", "-Xss512k", f"-DclkTck={CLK_TCK}", f"-DstepSeconds={STEP_SECONDS}", "-Dbisect=2",
                     "-DinitialWarmup=5", f"-DmaxP99Ms={MAX_P99_MS}"]
                 + (["-Ddeflate=true"] if DEFLATE else [])
                 + [f"-D{k}={v}" for k, v in props.items()] + ["-cp", JAR, "bench/FanoutBench.java"])
    errlog = os.path.join(WORK, f"gen-{label}.log")
    with open(errlog, "w") as err:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, timeout=1800, preexec_fn=raise_nofile)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        log(f"generator {label} failed (exit {out.returncode}); last lines of {errlog}:")
        log(open(errlog, errors="replace").read()[-2000:])
        return {"failed": True, "label": label}
    return json.loads(lines[-1])


def fanout():
    topics = ["bench.fanout.gw", "bench.fanout.ws", "bench.fanout.spring"]
    bootstrap, broker_pid = start_broker(topics)
    log("broker", bootstrap)
    config = json.load(open("bench/fanout.json"))
    config["kafka"] = {"bootstrapServers": bootstrap}
    config["routes"] = [{"topic": "bench.fanout.gw", "address": "bench.fanout"}]
    gw = start_gateway("gateway", config)
    log("gateway", gw)
    servers = {
        "gateway-sockjs": {"target": "sockjs", "port": gw["http"], "path": "/eventbus", "destination": "bench.fanout",
                           "feed": "kafka", "topic": "bench.fanout.gw", "pid": gw["pid"]},
        "gateway-stomp-ws": {"target": "stomp-ws", "port": gw["http"], "path": "/stomp", "destination": "bench.fanout",
                             "feed": "kafka", "topic": "bench.fanout.gw", "pid": gw["pid"]},
        "gateway-stomp-tcp": {"target": "stomp-tcp", "port": gw["stomp"], "destination": "bench.fanout",
                              "feed": "kafka", "topic": "bench.fanout.gw", "pid": gw["pid"]},
    }
    versions = {}
    if "ws" in PEERS:
        logfile = os.path.join(WORK, "ws.log")
        p = start(pinned(0, ["java", "-Xmx1g", "-cp", JAR, "bench/peers/ws/WsFanoutServer.java", bootstrap, "bench.fanout.ws"]),
                  logfile)
        port = int(wait_for(logfile, r"WS_READY (\d+)", p).group(1))
        servers["ws-ceiling"] = {"target": "ws", "port": port, "path": "/ws", "feed": "kafka", "topic": "bench.fanout.ws",
                                 "pid": p.pid}
    if "rabbitmq" in PEERS:
        r = start_script(os.path.join(ROOT, "bench/peers/rabbitmq/start.sh"))
        servers["rabbitmq-web-stomp"] = {"target": "stomp-ws", "port": r["webStompPort"], "path": r.get("wsPath", "/ws"),
                                         "destination": r["destination"], "login": r.get("login", "guest"),
                                         "passcode": r.get("passcode", "guest"), "feed": "stomp", "feedPort": r["stompPort"],
                                         "feedDestination": r["destination"], "pid": r["pid"], "threadGroups": "false"}
        versions["RabbitMQ"] = r.get("version", "?")
    if "spring" in PEERS:
        s = start_script(os.path.join(ROOT, "bench/peers/spring-stomp/start.sh"), bootstrap, "bench.fanout.spring")
        servers["spring-stomp"] = {"target": "stomp-ws", "port": s["port"], "path": s.get("wsPath", "/stomp"),
                                   "destination": s["destination"], "feed": "kafka", "topic": "bench.fanout.spring",
                                   "pid": s["pid"], "subscribeReceipt": "false"}
        versions["Spring Boot"] = s.get("version", "?")
    plan = []
    for n in sorted(set(SUBSCRIBERS) | set(PEER_SUBSCRIBERS)):
        if n in PEER_SUBSCRIBERS:  # every gateway protocol, then every peer
            plan.append((n, list(servers)))
        else:
            plan.append((n, [k for k in GATEWAY_TARGETS if k in servers]))
    # discarded: one run per server before the rounds, so that the first round does not pay for JIT compilation of code
    # paths (Kafka consumer, event bus, encoders) that later rounds get compiled
    n0 = PEER_SUBSCRIBERS[0] if PEER_SUBSCRIBERS else SUBSCRIBERS[0]
    for name, server in servers.items():
        wait_idle(int(server["pid"]))
        log(f"warm-up: {name}, {n0} subscribers, 30 s")
        run_generator(dict(server, subscribers=n0, bootstrap=bootstrap, knee="false", rate=max(1, 20000 // n0),
                           warmup=0, seconds=30), f"{name}-warmup")
    results = []
    for run in range(1, RUNS + 1):
        for n, names in plan:
            for name in names:  # alternating: every server once per round, same order
                server = servers[name]
                waited = wait_idle(int(server["pid"]))
                props = {k: v for k, v in server.items()}
                props["subscribers"] = n
                props["bootstrap"] = bootstrap
                log(f"run {run}: {name}, {n} subscribers (idle after {waited:.0f} s)")
                r = run_generator(props, f"{name}-{n}-{run}")
                r.update({"server": name, "run": run, "n": n})
                knee = r.get("knee") or {}
                half = r.get("atHalfKnee") or {}
                log(f"  knee {r.get('kneeRate')} rec/s = {knee.get('deliveredPerSecond')} msg/s; at half: "
                    f"p99 {half.get('p99Ms')} ms, {half.get('serverCpuUsPerDelivered')} µs/msg")
                results.append(r)
                with open(os.path.join(WORK, "fanout.jsonl"), "a") as f:
                    f.write(json.dumps(r) + "\n")
    profiles = []
    if os.environ.get("PROFILE", "1") == "1":
        n = PEER_SUBSCRIBERS[0] if PEER_SUBSCRIBERS else SUBSCRIBERS[0]
        for name in ("gateway-sockjs", "gateway-stomp-ws"):
            knees = [r["kneeRate"] for r in results if r["server"] == name and r["n"] == n and r.get("kneeRate")]
            if knees:
                # 80% of the knee: JFR's own cost would push a run at the knee past it
                profiles.append(profile(servers[name], name, n, int(0.8 * statistics.median(knees)), bootstrap))
    gw_rss = open(f"/proc/{gw['pid']}/status").read()
    return results, versions, re.search(r"VmRSS:\s+(\d+)", gw_rss).group(1), profiles


def profile(server, name, n, rate, bootstrap):
    """A JFR CPU profile of the gateway for 20 s at 80% of its median knee rate: where its one core goes."""
    pid = int(server["pid"])
    jfr = os.path.join(WORK, f"{name}.jfr")
    wait_idle(pid)
    subprocess.run(["jcmd", str(pid), "JFR.start", "name=bench", "settings=profile"], capture_output=True, check=True)
    log(f"profiling {name}: {n} subscribers at {rate} records/s")
    r = run_generator(dict(server, subscribers=n, bootstrap=bootstrap, knee="false", rate=rate, warmup=2, seconds=20),
                      f"{name}-profile")
    subprocess.run(["jcmd", str(pid), "JFR.stop", "name=bench", f"filename={jfr}"], capture_output=True, check=True)
    step = r.get("step") or {}
    lines = [f"### Profile: {name}, {n} subscribers, {rate} records/s ({step.get('deliveredPerSecond')} msg/s delivered, "
             f"p99 {step.get('p99Ms')} ms, server CPU {step.get('serverCpuCores')} cores)\n"] + jfr_top.summarize(jfr)
    return "\n".join(lines) + "\n"


def compression():
    """Browser-like clients (they offer permessage-deflate) at a fixed rate, against the gateway with
    http.websocketCompression off (the default) and on: what accepting compression costs per delivered message."""
    n = int(os.environ.get("COMPRESSION_SUBSCRIBERS", "1000"))
    rate = int(os.environ.get("COMPRESSION_RATE", "20"))
    bootstrap, _ = start_broker(["bench.compress.off", "bench.compress.on"], "kafka-compression")
    servers = {}
    for mode, enabled in (("off", False), ("on", True)):
        config = json.load(open("bench/fanout.json"))
        config["kafka"] = {"bootstrapServers": bootstrap, "groupId": f"bench-compression-{mode}"}
        config["routes"] = [{"topic": f"bench.compress.{mode}", "address": "bench.fanout"}]
        config.setdefault("http", {})["websocketCompression"] = enabled
        gw = start_gateway(f"gateway-compression-{mode}", config)
        servers[f"compression-{mode}"] = {"target": "sockjs", "port": gw["http"], "path": "/eventbus",
                                          "destination": "bench.fanout", "feed": "kafka", "deflate": "true",
                                          "topic": f"bench.compress.{mode}", "pid": gw["pid"]}
    for name, server in servers.items():  # discarded: JIT
        wait_idle(int(server["pid"]))
        run_generator(dict(server, subscribers=n, bootstrap=bootstrap, knee="false", rate=rate, warmup=0, seconds=20),
                      f"{name}-warmup")
    rows = []
    for run in range(1, RUNS + 1):
        for name, server in servers.items():
            wait_idle(int(server["pid"]))
            r = run_generator(dict(server, subscribers=n, bootstrap=bootstrap, knee="false", rate=rate, warmup=3,
                                   seconds=10), f"{name}-{run}")
            step = r.get("step") or {}
            log(f"run {run}: {name}: {step.get('deliveredPerSecond')} msg/s, {step.get('serverCpuUsPerDelivered')} µs/msg, "
                f"{r.get('deflating')} of {n} connections deflating")
            rows.append({"server": name, "run": run, "deflating": r.get("deflating"), "failed": r.get("failed", False),
                         **step})
    with open(os.path.join(RESULTS, f"{DATE}-{NAME}-compression.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    lines = [f"SockJS, {n} subscribers offering permessage-deflate (as browsers do), {rate} records/s "
             f"({n * rate} messages/s offered), {RUNS} alternating runs of 10 s after a discarded 20 s run per node. "
             f"Raw runs: `{DATE}-{NAME}-compression.jsonl`.\n",
             "| http.websocketCompression | connections deflating (min / median / max) | delivered msg/s (min / median / max) "
             "| server CPU µs per delivered msg (min / median / max) | p50 / p99 ms (each run, in order) | failed runs |",
             "|---|---|---|---|---|---|"]
    for name in servers:
        mine = [r for r in rows if r["server"] == name]
        ok = [r for r in mine if not r["failed"]]
        lines.append(f"| {name.split('-')[1]} | {mmm([r['deflating'] for r in ok])} | "
                     f"{mmm([r.get('deliveredPerSecond') for r in ok])} | "
                     f"{mmm([r.get('serverCpuUsPerDelivered') for r in ok], '{:.1f}')} | "
                     + " ; ".join(f"{r.get('p50Ms')} / {r.get('p99Ms')}" for r in ok)
                     + f" | {len(mine) - len(ok)} of {len(mine)} |")
    ratios = []
    for run in range(1, RUNS + 1):
        off = [r for r in rows if r["run"] == run and r["server"] == "compression-off"]
        on = [r for r in rows if r["run"] == run and r["server"] == "compression-on"]
        if off and on and off[0].get("serverCpuUsPerDelivered") and on[0].get("serverCpuUsPerDelivered"):
            ratios.append(on[0]["serverCpuUsPerDelivered"] / off[0]["serverCpuUsPerDelivered"])
    if ratios:
        lines.append(f"\nCPU per delivered message, on / off: {statistics.median(ratios):.2f}x "
                     f"(per run: {', '.join(f'{x:.2f}' for x in ratios)}).")
    return lines


def fanout_report(results):
    lines = []
    by = {}
    for r in results:
        by.setdefault((r["server"], r["n"]), []).append(r)
    lines.append("| server | subscribers | knee, records/s | delivered msg/s at the knee | p50 / p99 / p99.9 ms at 50% of the knee "
                 "| server CPU µs per delivered msg at 50% | generator CPU at the knee (cores) | failed runs |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for (server, n), rs in sorted(by.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        ok = [r for r in rs if not r.get("failed")]
        knee = [(r.get("knee") or {}) for r in ok]
        half = [(r.get("atHalfKnee") or {}) for r in ok]
        capped = any(r.get("kneeCapped") for r in ok)
        lat = " ; ".join(f"{h.get('p50Ms')} / {h.get('p99Ms')} / {h.get('p999Ms')}" for h in half)
        lines.append(f"| {server} | {n} | {mmm([r.get('kneeRate') for r in ok])}{' (cap)' if capped else ''} "
                     f"| {mmm([k.get('deliveredPerSecond') for k in knee])} | {lat} "
                     f"| {mmm([h.get('serverCpuUsPerDelivered') for h in half], '{:.1f}')} "
                     f"| {mmm([k.get('generatorCpuCores') for k in knee], '{:.2f}')} | {len(rs) - len(ok)} of {len(rs)} |")
    lines.append("")
    lines.append("Latency cells list each run (min / median / max columns would mix runs). Knee: the highest tested rate "
                 f"where delivered >= 99% of offered in the step's window, p99 <= {MAX_P99_MS} ms and no client was "
                 "disconnected; n/a: no tested rate passed.")
    # ratios: ours / peer per round, median of the rounds
    pairs = [("gateway-sockjs", "ws-ceiling", 0.7), ("gateway-stomp-ws", "rabbitmq-web-stomp", 1.5),
             ("gateway-stomp-ws", "spring-stomp", 3.0)]
    lines.append("")
    lines.append("| ratio (delivered msg/s at the knee) | subscribers | per run | median | target | met |")
    lines.append("|---|---|---|---|---|---|")
    for ours, peer, target in pairs:
        for n in sorted({r["n"] for r in results}):
            ratios = []
            for run in range(1, RUNS + 1):
                a = next((r for r in results if r["server"] == ours and r["n"] == n and r["run"] == run), None)
                b = next((r for r in results if r["server"] == peer and r["n"] == n and r["run"] == run), None)
                ka = (a or {}).get("knee") or {}
                kb = (b or {}).get("knee") or {}
                if ka.get("deliveredPerSecond") and kb.get("deliveredPerSecond"):
                    ratios.append(ka["deliveredPerSecond"] / kb["deliveredPerSecond"])
            if ratios:
                med = statistics.median(ratios)
                lines.append(f"| {ours} / {peer} | {n} | {', '.join(f'{x:.2f}' for x in ratios)} | {med:.2f} | >= {target} "
                             f"| {'yes' if med >= target else 'NO'} |")
    p99s = [((r.get("atHalfKnee") or {}).get("p99Ms"), r["server"], r["n"]) for r in results
            if r["server"].startswith("gateway-") and r.get("atHalfKnee")]
    if p99s:
        worst = max(p99s, key=lambda x: x[0] or 0)
        lines.append("")
        lines.append(f"Gateway p99 at 50% of the knee, worst over all runs: {worst[0]} ms ({worst[1]}, {worst[2]} subscribers); "
                     f"target < 20 ms: {'met' if (worst[0] or 0) < 20 else 'NOT met'}.")
    return lines


def run_script(cmd, label):
    """Runs another benchmark script; returns the results file it wrote (its 'wrote PATH' line)."""
    log("running", " ".join(cmd))
    out = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, RUNS=str(RUNS)), timeout=5400)
    with open(os.path.join(WORK, f"{label}.log"), "w") as f:
        f.write(out.stdout + out.stderr)
    m = re.findall(r"wrote (\S+\.md)", out.stdout + out.stderr)
    if out.returncode != 0 or not m:
        log(f"{label} failed (exit {out.returncode}):\n" + (out.stdout + out.stderr)[-2000:])
        return None
    return m[-1]


def versions_line(extra):
    return ", ".join([benchlib.versions(JAR), benchlib.java_version()] + [f"{k} {v}" for k, v in extra.items()])


def main():
    build()
    started = time.time()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    os.makedirs(RESULTS, exist_ok=True)
    summary = os.path.join(RESULTS, f"{DATE}-{NAME}.md")
    sections = []
    versions = {}
    try:
        if "fanout" in PARTS:
            results, versions, gw_rss_kb, profiles = fanout()
            with open(os.path.join(RESULTS, f"{DATE}-{NAME}-fanout.jsonl"), "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in results)
            sections.append("## Fan-out\n")
            sections.append(
                f"One Kafka partition, one address, N subscribers; {RUNS} runs per server, alternating (every server once "
                f"per round) after one discarded 30 s warm-up run per server. Each run: connect and subscribe, probe until every client received, then a knee search "
                f"(after a discarded 5 s warm-up at 10,000 msg/s; steps of 1 s warm-up + {STEP_SECONDS} s measured, doubling from 20,000 offered msg/s, then 2 bisections), "
                f"then 10 s at 50% of the knee for latency and CPU. Latency: feed send to client receive, one JVM clock. "
                f"The gateway's resident memory after the fan-out runs: {int(gw_rss_kb) // 1024} MiB. "
                f"Knee latency bound: p99 <= {MAX_P99_MS} ms. Raw runs: `{DATE}-{NAME}-fanout.jsonl`.\n")
            if DEFLATE:
                accepted = {}
                for r in results:
                    if not r.get("failed") and r["server"] != "gateway-stomp-tcp":  # TCP: no WebSocket, nothing to offer
                        accepted.setdefault(r["server"], set()).add(f"{r.get('deflating')} of {r['n']}")
                sections.append("Every WebSocket client offered permessage-deflate, as browsers do (`DEFLATE=1`; STOMP "
                                "over TCP has no WebSocket); connections on which the server accepted it: "
                                + "; ".join(f"{k}: {', '.join(sorted(v))}" for k, v in accepted.items()) + ".\n")
            sections.extend(line + "\n" for line in fanout_report(results))
            sections.append("\n")
            sections.extend(p + "\n" for p in profiles)
            stop_all()
            stoppers.clear()
            processes.clear()
        if "compression" in PARTS:
            sections.append("## WebSocket compression\n\n")
            sections.extend(line + "\n" for line in compression())
            sections.append("\n")
            stop_all()
            stoppers.clear()
            processes.clear()
        for part, cmd in (("peruser", ["bench/run-peruser.sh", "stomp", "10000"]),
                          ("peruser", ["bench/run-peruser.sh", "sockjs", "10000"]),
                          ("connections", ["bench/run-connections.sh", "sockjs", "19000"]),
                          ("connections", ["bench/run-connections.sh", "stomp", "19000"]),
                          ("inbound", ["bench/run-inbound.sh"])):
            if part in PARTS and os.path.exists(cmd[0]):
                path = run_script(cmd, f"{part}-{'-'.join(cmd[1:])}")
                sections.append(f"\n## {part}: `{' '.join(cmd)}`\n\n")
                sections.append(open(path).read().split("\n", 1)[1] if path else "FAILED: see the run's log\n")
    finally:
        stop_all()
    with open(summary, "w") as f:
        f.write(f"# Benchmark results, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC\n\n")
        f.write(f"Machine: {benchlib.machine()}. Versions: {versions_line(versions)}. "
                f"Whole run: {(time.time() - started) / 60:.0f} min (`bench/run.sh`, RUNS={RUNS}). Servers under test "
                f"pinned to CPU 0; load generators and the standalone Kafka broker to CPU 1.\n\n")
        f.writelines(sections)
    print("wrote", summary)
    log("logs of this run (servers, generators) are in", WORK)


if __name__ == "__main__":
    main()
