#!/usr/bin/env python3
"""The whole benchmark in one run: fan-out against the peers (alternating runs), then per-user routing, idle
connections and inbound, each from its own script; writes bench/results/<date>-summary.md (and the raw JSON lines).

Usage: bench/run.sh   (environment: RUNS=3, SUBSCRIBERS="100 1000 10000", PEER_SUBSCRIBERS="1000",
                       PARTS="fanout compression peruser connections inbound", PEERS="ws rabbitmq spring", STEP_SECONDS=4,
                       COMPRESSION_SUBSCRIBERS=1000, COMPRESSION_RATE=20, DEFLATE=0; PARTS=flowcontrol: FLOW_SUBSCRIBERS,
                       FLOW_STALLED, FLOW_TARGETS, FLOW_POLICIES, FLOW_HEAP, FLOW_WARMUP_SECONDS, OVERLOAD,
                       OVERLOAD_FACTOR, OVERLOAD_SECONDS, OVERLOAD_RATE; PARTS=metrics: METRICS_SUBSCRIBERS,
                       METRICS_RATE, METRICS_SECONDS, METRICS_TARGETS: see bench/README.md)

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
GENERATORS = f"{JAR}:bench/target/classes"   # the generators' classpath, built by bench/build.sh
RUNS = int(os.environ.get("RUNS", "3"))
# JVM options of every gateway under test besides -Xmx (its GC log is written next to its node.log)
GATEWAY_JAVA_OPTS = os.environ.get("GATEWAY_JAVA_OPTS", "").split()
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
# PARTS=flowcontrol: well-behaved subscribers with 0 and FLOW_STALLED stalled ones, then a 10x overload burst
FLOW_SUBSCRIBERS = int(os.environ.get("FLOW_SUBSCRIBERS", "1000"))
FLOW_STALLED = int(os.environ.get("FLOW_STALLED", "100"))
FLOW_TARGETS = os.environ.get("FLOW_TARGETS", "gateway-stomp-tcp gateway-sockjs").split()
FLOW_POLICIES = os.environ.get("FLOW_POLICIES", "disconnect drop-oldest").split()
FLOW_HEAP = os.environ.get("FLOW_HEAP", "512m")
FLOW_WARMUP_SECONDS = int(os.environ.get("FLOW_WARMUP_SECONDS", "20"))
OVERLOAD = [spec.split(":") for spec in
            os.environ.get("OVERLOAD", "gateway-stomp-tcp:disconnect gateway-stomp-tcp:drop-oldest").split()]
OVERLOAD_FACTOR = float(os.environ.get("OVERLOAD_FACTOR", "10"))
OVERLOAD_SECONDS = int(os.environ.get("OVERLOAD_SECONDS", "30"))
# 0: only the overload bursts, at the rates OVERLOAD gives (transport:policy:records/s)
FLOW_KNEES = os.environ.get("FLOW_KNEES", "1") == "1"
# PARTS=resume: records missed per resume, resumes one after the other per run, simultaneous resumes per burst
RESUME_MISSED = int(os.environ.get("RESUME_MISSED", "1000"))
RESUME_SEQUENTIAL = int(os.environ.get("RESUME_SEQUENTIAL", "20"))
RESUME_CONCURRENT = int(os.environ.get("RESUME_CONCURRENT", "100"))
# PARTS=metrics: CPU per delivered message with metrics.enabled true against false, at a fixed rate
METRICS_SUBSCRIBERS = int(os.environ.get("METRICS_SUBSCRIBERS", "1000"))
METRICS_RATE = int(os.environ.get("METRICS_RATE", "30"))
METRICS_SECONDS = int(os.environ.get("METRICS_SECONDS", "30"))
METRICS_TARGETS = os.environ.get("METRICS_TARGETS", "gateway-stomp-tcp gateway-sockjs").split()
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
    subprocess.run(["bench/build.sh"], check=True)   # the fat jar when missing, then the generators


def start_broker(topics, name="kafka"):
    logfile = os.path.join(WORK, f"{name}.log")
    p = start(pinned(1, ["java", "-Xmx1g", "-cp", JAR, "bench/KafkaBroker.java", os.path.join(WORK, name), "1"] + topics),
              logfile)
    return wait_for(logfile, r"KAFKA_READY (\S+)", p).group(1), p.pid


def start_gateway(name, config, heap="1g", cpus="0"):
    d = os.path.join(WORK, name)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f)
    logfile = os.path.join(d, "node.log")
    gc_log = f"-Xlog:gc:file={os.path.join(d, 'gc.log')}"
    p = start(pinned(cpus, ["java", f"-Xmx{heap}", gc_log] + GATEWAY_JAVA_OPTS + ["-jar", os.path.join(ROOT, JAR), "-conf", "config.json"]),
              logfile, cwd=d)
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
                 + [f"-D{k}={v}" for k, v in props.items()] + ["-cp", GENERATORS, "io.kafkabridge.bench.FanoutBench"])
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


def stop_process(pid):
    """Stops one process this script started (by its pid)."""
    for p in processes:
        if p.pid == pid and p.poll() is None:
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def health(port):
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as r:
            return json.load(r)
    except Exception as e:  # noqa: BLE001 - a 503 still carries the document
        body = getattr(e, "read", lambda: b"{}")()
        try:
            return json.loads(body)
        except ValueError:
            return {}


def rss_kb(pid):
    m = re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{pid}/status").read())
    return int(m.group(1))


def slow_counts(h):
    src = h.get("source") or {}
    slow = h.get("slowClients") or {}
    return {"pauses": src.get("pauses"), "disconnect": slow.get("disconnect"), "dropOldest": slow.get("drop-oldest"),
            "maxInFlightBytes": src.get("maxBytes"), "maxInFlightRecords": src.get("maxRecords")}


def delta(after, before, key):
    a, b = after.get(key), before.get(key)
    return None if a is None or b is None else a - b


def flow_node(name, bootstrap, policy):
    """A gateway node with limits.slowClientPolicy = policy, its own topics (records, and the stalled clients' fill)
    and consumer group, pinned to CPU 0 with -Xmx FLOW_HEAP."""
    topic = f"bench.flow.{policy.replace('-', '')}"
    config = json.load(open("bench/fanout.json"))
    config["kafka"] = {"bootstrapServers": bootstrap, "groupId": f"bench-{name}"}
    config["routes"] = [{"topic": topic, "address": "bench.fanout"},
                        {"topic": topic + ".fill", "address": "bench.fanout.fill"}]
    config["bridge"]["outboundPermitteds"] = [{"address": "bench.fanout"}, {"address": "bench.fanout.fill"}]
    config["limits"]["slowClientPolicy"] = policy
    gw = start_gateway(name, config, heap=FLOW_HEAP)
    gw.update(topic=topic, policy=policy)
    return gw


def flow_server(gw, target):
    server = {"pid": gw["pid"], "feed": "kafka", "topic": gw["topic"], "destination": "bench.fanout"}
    if target == "gateway-sockjs":
        server.update(target="sockjs", port=gw["http"], path="/eventbus")
    elif target == "gateway-stomp-ws":
        server.update(target="stomp-ws", port=gw["http"], path="/stomp")
    else:
        server.update(target="stomp-tcp", port=gw["stomp"])
    return server


def stalled_props(gw, stalled):
    return {"stalled": stalled, "fillTopic": gw["topic"] + ".fill", "fillDestination": "bench.fanout.fill"} if stalled else {}


def flowcontrol():
    """The knee of FLOW_SUBSCRIBERS well-behaved subscribers with 0 and FLOW_STALLED stalled subscribers of the same
    address (alternating within each round), per transport and slowClientPolicy (one node per policy); then, on a fresh
    node per OVERLOAD entry, the peak RSS during a burst at OVERLOAD_FACTOR x the median knee and the delivery
    accounting after the drain."""
    n, stalled = FLOW_SUBSCRIBERS, FLOW_STALLED
    topics = []
    for policy in FLOW_POLICIES:
        t = f"bench.flow.{policy.replace('-', '')}"
        topics += [t, t + ".fill"]
    bootstrap, _ = start_broker(topics, "kafka-flow")
    log("broker", bootstrap)
    nodes = {policy: flow_node(f"gateway-flow-{policy}", bootstrap, policy) for policy in FLOW_POLICIES} if FLOW_KNEES else {}
    for policy, gw in nodes.items():
        log(f"gateway ({policy}, -Xmx{FLOW_HEAP})", gw)
    for policy, gw in nodes.items():  # discarded: JIT
        for target in FLOW_TARGETS:
            wait_idle(gw["pid"])
            log(f"warm-up: {target}/{policy}, {n} subscribers, {FLOW_WARMUP_SECONDS} s")
            run_generator(dict(flow_server(gw, target), subscribers=n, bootstrap=bootstrap, knee="false",
                               rate=max(1, 20000 // n), warmup=0, seconds=FLOW_WARMUP_SECONDS),
                          f"flow-{target}-{policy}-warmup")
    knees = []
    for run in range(1, RUNS + 1 if FLOW_KNEES else 1):
        for target in FLOW_TARGETS:
            for policy in FLOW_POLICIES:
                gw = nodes[policy]
                for s in ((0, stalled) if run % 2 else (stalled, 0)):  # alternate which goes first
                    waited = wait_idle(gw["pid"])
                    before = slow_counts(health(gw["http"]))
                    log(f"run {run}: {target}/{policy}, {n} + {s} stalled (idle after {waited:.0f} s)")
                    r = run_generator(dict(flow_server(gw, target), subscribers=n, bootstrap=bootstrap,
                                           **stalled_props(gw, s)), f"flow-{target}-{policy}-{s}-{run}")
                    after = slow_counts(health(gw["http"]))
                    r.update({"server": target, "policy": policy, "stalledN": s, "run": run, "n": n,
                              "serverCut": delta(after, before, "disconnect"),
                              "serverDropped": delta(after, before, "dropOldest"),
                              "sourcePauses": delta(after, before, "pauses")})
                    knee = r.get("knee") or {}
                    half = r.get("atHalfKnee") or {}
                    log(f"  knee {r.get('kneeRate')} rec/s = {knee.get('deliveredPerSecond')} msg/s; at half: "
                        f"{half.get('serverCpuUsPerDelivered')} µs/msg; stalled cut {r['serverCut']} (reconnects "
                        f"{r.get('stalledReconnects')}), dropped {r['serverDropped']}, pauses {r['sourcePauses']}")
                    knees.append(r)
                    with open(os.path.join(WORK, "flow-knees.jsonl"), "a") as f:
                        f.write(json.dumps(r) + "\n")
    for gw in nodes.values():
        stop_process(gw["pid"])
    overloads = []
    for target, policy, *given in OVERLOAD:
        med = [r["kneeRate"] for r in knees if r["server"] == target and r["policy"] == policy and r["stalledN"] == 0
               and r.get("kneeRate")]
        base = (int(given[0]) / OVERLOAD_FACTOR if given else statistics.median(med) if med
                else int(os.environ.get("OVERLOAD_RATE", "0")) / OVERLOAD_FACTOR)
        if not base:
            log(f"overload {target}/{policy}: no knee measured and no OVERLOAD_RATE; skipped")
            continue
        rate = int(round(OVERLOAD_FACTOR * base))
        gw = flow_node(f"gateway-overload-{target}-{policy}", bootstrap, policy)
        server = flow_server(gw, target)
        log(f"overload {target}/{policy}: fresh node {gw}, warm-up {FLOW_WARMUP_SECONDS} s")
        run_generator(dict(server, subscribers=n, bootstrap=bootstrap, knee="false", rate=max(1, 20000 // n), warmup=0,
                           seconds=FLOW_WARMUP_SECONDS), f"overload-{target}-{policy}-warmup")
        wait_idle(gw["pid"])
        time.sleep(5)
        idle = rss_kb(gw["pid"])
        h_before = health(gw["http"])
        log(f"overload {target}/{policy}: idle RSS {idle // 1024} MiB; {rate} records/s for {OVERLOAD_SECONDS} s")
        r = run_generator(dict(server, subscribers=n, bootstrap=bootstrap, knee="false", rate=rate, warmup=0,
                               seconds=OVERLOAD_SECONDS, rssSampleMs=100, healthPort=gw["http"], grace=1200,
                               **stalled_props(gw, stalled)), f"overload-{target}-{policy}")
        h_after = health(gw["http"])
        b, a = slow_counts(h_before), slow_counts(h_after)
        r.update({"server": target, "policy": policy, "n": n, "stalledN": stalled, "kneeRateMedian": base,
                  "targetRate": rate, "idleRssKb": idle, "rssAfterKb": rss_kb(gw["pid"]), "healthBefore": b,
                  "healthAfter": a, "serverCut": delta(a, b, "disconnect"), "serverDropped": delta(a, b, "dropOldest"),
                  "heap": FLOW_HEAP, "limits": {k: (h_after.get("source") or {}).get(k) for k in ("maxRecords", "maxBytes")}})
        step = r.get("step") or {}
        sampled = step.get("sampled") or {}
        log(f"  offered {step.get('offeredPerSecond')} rec/s; RSS peak {sampled.get('rssPeakBurstKb')} kB (burst) / "
            f"{sampled.get('rssPeakDrainKb')} kB (drain); pauses {b['pauses']} -> {a['pauses']}; "
            f"accounting {r.get('accounting')}")
        overloads.append(r)
        stop_process(gw["pid"])
    with open(os.path.join(RESULTS, f"{DATE}-{NAME}-stalled-knees.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in knees)
    with open(os.path.join(RESULTS, f"{DATE}-{NAME}-overload.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in overloads)
    return flow_report(knees, overloads)


def resume():
    """Replays from Kafka (since a resume token): the time to resume MISSED records of one address while
    10,000 records/s go to other addresses (RESUME_SEQUENTIAL times, one after the other), and the live subscribers'
    latency without resumes and during bursts of RESUME_CONCURRENT simultaneous resumes; RUNS runs on one node."""
    topic, live_topic = "bench.resume", "bench.resume.live"
    bootstrap, _ = start_broker([topic, live_topic], "kafka-resume")
    config = json.load(open("bench/fanout.json"))
    config["kafka"] = {"bootstrapServers": bootstrap, "groupId": "bench-resume"}
    config["routes"] = [{"topic": topic, "address": "bench.resume.{key}"}, {"topic": live_topic, "address": "bench.resume.{key}"}]
    config["bridge"]["outboundPermitteds"] = [{"addressRegex": "bench\\.resume\\..+"}]
    gw = start_gateway("gateway-resume", config)
    log("gateway (resume)", gw)
    runs = []
    for run in range(1, RUNS + 1):
        wait_idle(gw["pid"])
        cmd = pinned(1, ["java", "-Xmx1g", f"-DstompPort={gw['stomp']}", f"-Dbootstrap={bootstrap}", f"-Dtopic={topic}",
                         f"-DliveTopic={live_topic}", f"-Dmissed={RESUME_MISSED}", f"-Dsequential={RESUME_SEQUENTIAL}",
                         f"-Dconcurrent={RESUME_CONCURRENT}", "-cp", GENERATORS, "io.kafkabridge.bench.ResumeBench"])
        errlog = os.path.join(WORK, f"gen-resume-{run}.log")
        with open(errlog, "w") as err:
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, timeout=1800, preexec_fn=raise_nofile)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if out.returncode != 0 or not lines:
            log(f"resume run {run} failed (exit {out.returncode}):", open(errlog, errors="replace").read()[-2000:])
            runs.append({"failed": True, "run": run})
            continue
        r = json.loads(lines[-1])
        r["run"] = run
        log(f"run {run}: sequential resume ms {r['sequential']}, burst {r['burstResume']}, live p99 "
            f"{r['liveQuiet']['p99']} -> {r['liveDuringBursts']['p99']} ms")
        runs.append(r)
    health_after = health(gw["http"]).get("replays")
    with open(os.path.join(RESULTS, f"{DATE}-{NAME}-resume.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in runs)
    ok = [r for r in runs if not r.get("failed")]
    seq_p99 = statistics.median([r["sequential"]["p99"] for r in ok]) if ok else None
    ratio = statistics.median([r["liveP99Ratio"] for r in ok]) if ok else None
    lines = [f"One gateway node (pinned to CPU 0), one topic of 1 partition routed to `bench.resume.{{key}}`; the generator "
             f"(CPU 1) produces 10,000 records/s to 1,000 other keys of it and, on a topic of its own, 100 records/s to "
             f"200 live STOMP/TCP subscribers of `bench.resume.live` throughout. Each burst starts once the node has "
             f"published the burst's records (a record produced after them arrived). Resume: a client takes a `resume` token on its own address and "
             f"leaves, {RESUME_MISSED} records are produced for it, a client subscribes with `since: <token>`; time from "
             f"SUBSCRIBE to the last replayed record ({RESUME_SEQUENTIAL} one after the other per run). Live impact: the "
             f"live subscribers' latency (produce to receive) over 20 s without resumes, then during 3 bursts of "
             f"{RESUME_CONCURRENT} simultaneous resumes of {RESUME_MISSED} records each. {RUNS} runs; raw: "
             f"`{DATE}-{NAME}-resume.jsonl`. `/health` `replays` after the runs: `{json.dumps(health_after)}`.\n",
             "| run | resume ms p50 / p99 / max (target p99 < 500) | burst resumes ms p50 / p99 / max | burst s | live p99 ms, "
             "quiet / during bursts | ratio (target <= 1.2) |",
             "|---|---|---|---|---|---|"]
    for r in runs:
        if r.get("failed"):
            lines.append(f"| {r['run']} | failed | | | | |")
            continue
        q, b, sq = r["sequential"], r["burstResume"], r["liveQuiet"]
        lines.append(f"| {r['run']} | {q['p50']} / {q['p99']} / {q['max']} | {b['p50']} / {b['p99']} / {b['max']} | "
                     f"{r['burstSeconds']} | {sq['p99']} / {r['liveDuringBursts']['p99']} | {r['liveP99Ratio']} |")
    if ok:
        lines.append("")
        lines.append(f"Medians over the runs: resume p99 **{seq_p99} ms** "
                     f"({'met' if seq_p99 < 500 else 'NOT met'}), live p99 ratio **{ratio}** "
                     f"({'met' if ratio <= 1.2 else 'NOT met'}).")
    return lines


def paired_cpu(part, variants, subscribers, rate, seconds, targets):
    """Two gateway nodes that differ by config (and the CPUs they run on): `variants` is [(label, overrides, cpus)] x 2.
    `subscribers` clients of one address fed `rate` records/s for `seconds`, per transport of `targets`; the node's CPU
    per delivered message, the two alternating in each round (round 1 first variant first, round 2 second first, ...),
    after one discarded 20 s run per node and transport; /metrics scraped every 5 s as Prometheus would (404 where metrics
    are off). Returns [{run, target, <label>: {cpuUs, delivered, ratio, p99, loops}, cpuRatio: second / first}]."""
    import threading
    import urllib.request
    labels = [v[0] for v in variants]
    bootstrap, _ = start_broker([f"bench.{part}.{label}" for label in labels], f"kafka-{part}")
    nodes = {}
    for label, overrides, cpus in variants:
        config = json.load(open("bench/fanout.json"))
        config["kafka"] = {"bootstrapServers": bootstrap, "groupId": f"bench-{part}-{label}"}
        config["routes"] = [{"topic": f"bench.{part}.{label}", "address": "bench.fanout"}]
        config["bridge"]["outboundPermitteds"] = [{"address": "bench.fanout"}]
        config["admin"] = {"enabled": False}
        for section, values in overrides.items():
            config.setdefault(section, {}).update(values)
        gw = start_gateway(f"gateway-{part}-{label}", config, cpus=cpus)
        gw["topic"] = f"bench.{part}.{label}"
        nodes[label] = gw
        log(f"gateway ({part} {label}, CPUs {cpus})", gw)

    def scraping(port, stop, seen):
        """/metrics every 5 s; and the connections of each loop (/health) while the clients are connected."""
        while not stop.wait(5):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
            except Exception:
                pass  # metrics off: 404
            loops = [sum(loop["connections"].values()) for loop in health(port).get("loops", [])]
            if sum(loops) > 0:
                seen["loops"] = loops

    def measure(label, target, name, length):
        gw = nodes[label]
        wait_idle(gw["pid"])
        stop = threading.Event()
        seen = {}
        scraper = threading.Thread(target=scraping, args=(gw["http"], stop, seen), daemon=True)
        scraper.start()
        try:
            r = run_generator(dict(flow_server(gw, target), subscribers=subscribers, bootstrap=bootstrap, knee="false",
                                   rate=rate, warmup=5, seconds=length), name)
        finally:
            stop.set()
            scraper.join()
        r["loops"] = seen.get("loops")
        return r

    for target in targets:
        for label in labels:
            log(f"warm-up: {part} {label}, {target}, 20 s")
            measure(label, target, f"{part}-{label}-{target}-warmup", 20)
    runs = []
    for run in range(1, RUNS + 1):
        for target in targets:
            order = labels if run % 2 else list(reversed(labels))
            pair = {}
            for label in order:
                r = measure(label, target, f"{part}-{label}-{target}-{run}", seconds)
                step = r.get("step") or {}
                pair[label] = {"cpuUs": step.get("serverCpuUsPerDelivered"), "delivered": step.get("deliveredPerSecond"),
                               "ratio": step.get("deliveredRatio"), "p99": step.get("p99Ms"), "failed": r.get("failed"),
                               "loops": r.get("loops")}
                log(f"run {run}: {target} {part} {label}: {pair[label]}")
            ok = all(pair[k]["cpuUs"] and not pair[k]["failed"] for k in pair)
            runs.append(dict(pair, run=run, target=target,
                             cpuRatio=round(pair[labels[1]]["cpuUs"] / pair[labels[0]]["cpuUs"], 3) if ok else None))
    with open(os.path.join(RESULTS, f"{DATE}-{NAME}-{part}.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in runs)
    return runs


def paired_table(runs, labels, targets, target_ratio):
    lines = [f"| transport | CPU µs/msg, {labels[0]} (per round) | {labels[1]} | ratio {labels[1]}/{labels[0]} per round | "
             f"median ratio (target <= {target_ratio}) | p99 ms {labels[0]} / {labels[1]} (medians) |",
             "|---|---|---|---|---|---|"]
    for target in targets:
        mine = [r for r in runs if r["target"] == target]
        ratios = [r["cpuRatio"] for r in mine if r["cpuRatio"]]
        median = statistics.median(ratios) if ratios else None
        p99 = {k: statistics.median([r[k]["p99"] for r in mine if r[k]["p99"] is not None] or [0]) for k in labels}
        lines.append(f"| {target} | {' / '.join(str(r[labels[0]]['cpuUs']) for r in mine)} | "
                     f"{' / '.join(str(r[labels[1]]['cpuUs']) for r in mine)} | {' / '.join(str(r['cpuRatio']) for r in mine)} | "
                     f"**{median}** ({'met' if median is not None and median <= target_ratio else 'NOT met'}) | "
                     f"{p99[labels[0]]} / {p99[labels[1]]} |")
    return lines


def metrics_cost():
    """What counting costs: metrics.enabled true against false (false counts nothing at all, Vert.x's own metrics
    included), both nodes pinned to CPU 0."""
    labels = ["off", "on"]
    runs = paired_cpu("metrics", [("off", {"metrics": {"enabled": False}}, "0"), ("on", {"metrics": {"enabled": True}}, "0")],
                      METRICS_SUBSCRIBERS, METRICS_RATE, METRICS_SECONDS, METRICS_TARGETS)
    return [f"Two gateway nodes pinned to CPU 0 (one loaded at a time), `metrics.enabled` true and false (false counts "
            f"nothing, Vert.x's own metrics included); {METRICS_SUBSCRIBERS} subscribers of one address fed "
            f"{METRICS_RATE} records/s ({METRICS_RATE * METRICS_SUBSCRIBERS:,} messages/s, about 40% of the knee) for "
            f"{METRICS_SECONDS} s after 5 s of warm-up; `/metrics` scraped every 5 s. {RUNS} rounds, both alternating "
            f"within each, after one discarded 20 s run per node and transport. CPU: the node's CPU time (all threads) per "
            f"delivered message. Raw runs: `{DATE}-{NAME}-metrics.jsonl`.\n"] + paired_table(runs, labels, METRICS_TARGETS, 1.05)


def loops_cost():
    """Several event loops: one server instance pinned to CPU 0 against two instances on both CPUs (the generator shares
    CPU 1 with the second loop); CPU per delivered message and the connections per loop."""
    labels = ["1-loop", "2-loops"]
    runs = paired_cpu("loops", [("1-loop", {"http": {"instances": 1}}, "0"), ("2-loops", {"http": {"instances": 2}}, "0-1")],
                      METRICS_SUBSCRIBERS, METRICS_RATE, METRICS_SECONDS, METRICS_TARGETS)
    spread = [r["2-loops"].get("loops") for r in runs if r["2-loops"].get("loops")]
    ok = [r for r in runs if r["cpuRatio"]]
    one_loop = statistics.median([r["1-loop"]["cpuUs"] for r in ok]) if ok else None
    lines = [f"Node A: one server instance (`http.instances: 1`) pinned to CPU 0; node B: two instances on CPUs 0-1 (the "
             f"generator and the broker run on CPU 1 too). {METRICS_SUBSCRIBERS} subscribers of one address fed "
             f"{METRICS_RATE} records/s for {METRICS_SECONDS} s; {RUNS} rounds alternating; CPU: the node's CPU time (all "
             f"threads, all cores) per delivered message. Raw runs: `{DATE}-{NAME}-loops.jsonl`.\n"]
    lines += paired_table(runs, labels, METRICS_TARGETS, 1.1)
    lines.append("")
    lines.append(f"Connections per loop on node B (`/health` `loops`, per run): {json.dumps(spread)}.")
    if one_loop:
        per_core = 1e6 / one_loop
        lines.append(f"\nOne loop delivers {per_core:,.0f} messages per second of CPU (median {one_loop} µs per message at "
                     f"this load); a 16-core node at the same cost per message would deliver about "
                     f"{16 * per_core:,.0f} messages/s with every core busy, less what the Kafka source, the GC and the "
                     f"kernel's network stack take from them.")
    return lines


def throughput_knee(r):
    """Delivered msg/s of the highest step of a knee run with >= 99% delivered and no disconnect, p99 ignored (a lower
    bound of the throughput-only knee: the search's path still followed the p99 verdicts)."""
    ok = [s for s in r.get("steps") or [] if s.get("deliveredRatio", 0) >= 0.99 and not s.get("disconnects")]
    return max((s["deliveredPerSecond"] for s in ok), default=None)


def flow_report(knees, overloads):
    n, stalled = FLOW_SUBSCRIBERS, FLOW_STALLED
    mib = 1024 * 1024
    lines = [f"{n} well-behaved subscribers of one address with 0 and with {stalled} stalled subscribers of the same "
             f"address, per transport and `limits.slowClientPolicy` (one gateway node per policy, both pinned to CPU 0, "
             f"-Xmx{FLOW_HEAP}, default bounds otherwise); {RUNS} rounds, in each 0 and {stalled} stalled alternate "
             f"(round 1: 0 first, round 2: {stalled} first, ...), after one discarded {FLOW_WARMUP_SECONDS} s run per "
             f"node and transport. Knee search as in the fan-out part (steps of 1 s + {STEP_SECONDS} s, doubling from "
             f"20 records/s, 2 bisections; pass: >= 99% delivered in the window, p99 <= {MAX_P99_MS} ms, no "
             f"well-behaved client disconnected), counting the well-behaved clients only. Stalled clients: 4 KiB "
             f"receive buffer, stop reading after their first message, also subscribed to `bench.fanout.fill`, which "
             f"gets 256 records of 8 KiB (2 MiB: more than the server's kernel send buffer, its 64 KiB window and "
             f"its 1 MiB queue take) once they all stalled: their queues are full from the start; cut ones reconnect "
             f"after 2 s (as the demo dashboard's STOMP client does), subscribe again and stall on the live records. "
             f"Raw runs: `{DATE}-{NAME}-stalled-knees.jsonl`.\n",
             "| transport | policy | knee, delivered msg/s, 0 stalled (min / median / max) | with "
             f"{stalled} stalled | ratio per round | median ratio (target >= 0.9) | CPU µs per delivered msg at 50%, 0 "
             f"stalled | with {stalled} | stalled cut by the server / reconnects per run | dropped per run | source "
             "pauses per run (0 / stalled) | failed runs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    tput = ["", "Throughput only (p99 ignored): delivered msg/s of the highest step with >= 99% delivered and no "
            "well-behaved client disconnected, in the same runs (a lower bound: the search still followed the p99 "
            "verdicts).\n", f"| transport | policy | 0 stalled (min / median / max) | {stalled} stalled | ratio per "
            "round | median ratio |", "|---|---|---|---|---|---|"]
    for target in FLOW_TARGETS:
        for policy in FLOW_POLICIES:
            mine = [r for r in knees if r["server"] == target and r["policy"] == policy]
            ok0 = [r for r in mine if r["stalledN"] == 0 and not r.get("failed")]
            ok1 = [r for r in mine if r["stalledN"] == stalled and not r.get("failed")]
            ratios = []
            for run in range(1, RUNS + 1):
                a = next((r for r in ok1 if r["run"] == run), None)
                b = next((r for r in ok0 if r["run"] == run), None)
                ka = ((a or {}).get("knee") or {}).get("deliveredPerSecond")
                kb = ((b or {}).get("knee") or {}).get("deliveredPerSecond")
                if ka and kb:
                    ratios.append(ka / kb)
            med = statistics.median(ratios) if ratios else None
            cuts = ", ".join(f"{r.get('serverCut')} / {r.get('stalledReconnects')}" for r in ok1)
            tr = []
            for run in range(1, RUNS + 1):
                a = next((throughput_knee(r) for r in ok1 if r["run"] == run), None)
                b = next((throughput_knee(r) for r in ok0 if r["run"] == run), None)
                if a and b:
                    tr.append(a / b)
            tput.append(f"| {target} | {policy} | {mmm([throughput_knee(r) for r in ok0])} | "
                        f"{mmm([throughput_knee(r) for r in ok1])} | {', '.join(f'{x:.2f}' for x in tr) or 'n/a'} | "
                        f"{f'{statistics.median(tr):.2f}' if tr else 'n/a'} |")
            lines.append(
                f"| {target} | {policy} | {mmm([(r.get('knee') or {}).get('deliveredPerSecond') for r in ok0])} "
                f"| {mmm([(r.get('knee') or {}).get('deliveredPerSecond') for r in ok1])} "
                f"| {', '.join(f'{x:.2f}' for x in ratios) or 'n/a'} "
                f"| {'n/a' if med is None else f'{med:.2f}'} {'' if med is None else ('(met)' if med >= 0.9 else '(NOT met)')} "
                f"| {mmm([(r.get('atHalfKnee') or {}).get('serverCpuUsPerDelivered') for r in ok0], '{:.1f}')} "
                f"| {mmm([(r.get('atHalfKnee') or {}).get('serverCpuUsPerDelivered') for r in ok1], '{:.1f}')} "
                f"| {cuts} "
                f"| {', '.join(str(r.get('serverDropped')) for r in ok1)} "
                f"| {', '.join(str(r.get('sourcePauses')) for r in ok0)} / {', '.join(str(r.get('sourcePauses')) for r in ok1)} "
                f"| {len([r for r in mine if r.get('failed')])} of {len(mine)} |")
    lines.extend(tput)
    lines.append("")
    lines.append("Knee: delivered messages/s to the well-behaved subscribers at the highest passing rate; ratio: with "
                 f"{stalled} stalled / with none, per round. CPU: the node's CPU (all threads) per message delivered to a "
                 "well-behaved subscriber at 50% of that run's knee, so the stalled clients' cost is in it. Stalled cut: "
                 "`/health` `slowClients.disconnect` over the run; reconnects: the generator's count.")
    if overloads:
        lines.append("")
        lines.append(f"### Peak RSS during a {OVERLOAD_FACTOR:g}x overload\n")
        lines.append(f"A fresh node per row (-Xmx{FLOW_HEAP}), warmed by a discarded {FLOW_WARMUP_SECONDS} s run; idle "
                     f"RSS (`VmRSS`) read 5 s after it went idle; then {n} well-behaved + {stalled} stalled subscribers "
                     f"and records produced at {OVERLOAD_FACTOR:g}x the median knee (0 stalled, records/s) of the same "
                     f"transport and policy above for {OVERLOAD_SECONDS} s, then the drain until every well-behaved client "
                     "got every record (or 3 s without progress); `VmRSS` sampled every 100 ms throughout, `/health` "
                     f"every second. Raw runs: `{DATE}-{NAME}-overload.jsonl` (with every sample).\n")
        lines.append("| transport / policy | offered records/s (target) | idle RSS MiB | RSS at 10 / 20 / 30 s MiB | peak "
                     "RSS MiB (burst / drain) | bound B MiB | peak / (idle + B) (target <= 1.25) | peak − idle MiB | "
                     "max in-flight seen (records / MiB) | source pauses before → after | stalled cut / reconnects / "
                     "dropped | drain s | well-behaved: received / expected messages, clients short |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in overloads:
            step = r.get("step") or {}
            sm = step.get("sampled") or {}
            idle = r["idleRssKb"] / 1024
            peak = max(sm.get("rssPeakBurstKb") or 0, sm.get("rssPeakDrainKb") or 0) / 1024
            lim = r.get("limits") or {}
            bound = ((lim.get("maxBytes") or 64 * mib) + (n + stalled) * mib) / mib
            at = []
            for sec in (10, 20, 30):
                xs = [kb for t, kb in sm.get("rssKb", []) if t <= sec * 1000]
                at.append(f"{xs[-1] / 1024:.0f}" if xs else "?")
            acc = r.get("accounting") or {}
            b, a = r["healthBefore"], r["healthAfter"]
            lines.append(
                f"| {r['server']} / {r['policy']} | {step.get('offeredPerSecond')} ({r['targetRate']}) | {idle:.0f} "
                f"| {' / '.join(at)} | {(sm.get('rssPeakBurstKb') or 0) / 1024:.0f} / {(sm.get('rssPeakDrainKb') or 0) / 1024:.0f} "
                f"| {bound:.0f} | {peak / (idle + bound):.2f} | {peak - idle:.0f} "
                f"| {sm.get('maxInFlightRecordsSeen')} / {(sm.get('maxInFlightBytesSeen') or 0) / mib:.1f} "
                f"| {b.get('pauses')} → {a.get('pauses')} | {r.get('serverCut')} / {r.get('stalledReconnects')} / "
                f"{r.get('serverDropped')} | {step.get('drainSec')} | {acc.get('receivedMessages')} / "
                f"{acc.get('expectedMessages')}, {acc.get('clientsShort')} short (missing {acc.get('missingMessages')}, "
                f"extra {acc.get('extraMessages')}) |")
        lines.append("")
        lines.append(f"Bound B = `limits.maxInFlightBytes` + ({n} + {stalled}) × `limits.maxQueuedBytesPerConnection`: "
                     "what the configuration lets the node hold if every connection's queue were full (it counts each "
                     "connection's copy of a message, which the node shares between connections, so it is an upper bound); "
                     "RSS also holds the heap the JVM chose to grow up to -Xmx.")
    return lines


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
        for part, title, measure in (("flowcontrol", "Flow control: stalled subscribers and a 10x overload", flowcontrol),
                                     ("resume", "Resume from Kafka", resume),
                                     ("metrics", "What counting costs: metrics on against off", metrics_cost),
                                     ("loops", "Several event loops: one core against two", loops_cost),
                                     ("compression", "WebSocket compression", compression)):
            if part in PARTS:
                sections.append(f"## {title}\n\n")
                sections.extend(line + "\n" for line in measure())
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
        f.write(f"Machine: {benchlib.machine()}. Versions: {versions_line(versions)}, commit {benchlib.sh('git rev-parse --short HEAD')}. "
                f"Whole run: {(time.time() - started) / 60:.0f} min (`bench/run.sh`, RUNS={RUNS}). Servers under test "
                f"pinned to CPU 0; load generators and the standalone Kafka broker to CPU 1.\n\n")
        f.writelines(sections)
    print("wrote", summary)
    log("logs of this run (servers, generators) are in", WORK)


if __name__ == "__main__":
    main()
