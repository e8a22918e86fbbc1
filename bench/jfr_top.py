#!/usr/bin/env python3
"""Where a JVM's CPU went, from a JFR recording's execution samples: shares by thread, by code area (inclusive) and
the top self-time frames, as Markdown tables. Usage: bench/jfr_top.py recording.jfr"""
import re
import subprocess
import sys


def summarize(jfr):
    out = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", jfr],
                         capture_output=True, text=True).stdout
    samples = re.findall(r'sampledThread = "([^"]*)".*?stackTrace = \[\n(.*?)\n\s*\]', out, re.S)
    self_time, inclusive, threads = {}, {}, {}
    groups = [("bridge (io.kafkabridge)", "io.kafkabridge."), ("Netty write/flush", "io.netty.channel.AbstractChannel$AbstractUnsafe.flush"),
              ("event bus", "io.vertx.core.eventbus."), ("Kafka client", "org.apache.kafka."),
              ("JSON (Jackson)", "com.fasterxml.jackson."), ("WebSocket frame encoding", "io.netty.handler.codec.http.websocketx."),
              ("routing (RecordRouter)", "io.kafkabridge.routing."), ("STOMP parser/connection (vertx-stomp)", "io.vertx.ext.stomp."),
              ("Kafka producer", "org.apache.kafka.clients.producer."), ("socket write syscall", "sun.nio.ch.SocketDispatcher.write")]
    for thread, stack in samples:
        frames = [re.sub(r"\s+line:.*$", "", f.strip()) for f in stack.splitlines() if f.strip() and f.strip() != "..."]
        if not frames:
            continue
        threads[re.sub(r"-\d+$", "", thread)] = threads.get(re.sub(r"-\d+$", "", thread), 0) + 1
        self_time[frames[0]] = self_time.get(frames[0], 0) + 1
        for label, prefix in groups:
            if any(f.startswith(prefix) for f in frames):
                inclusive[label] = inclusive.get(label, 0) + 1
    total = max(1, len(samples))
    lines = [f"JFR execution samples: {len(samples)}.", "", "| threads | share of samples |", "|---|---|"]
    lines += [f"| {t} | {c * 100 / total:.0f}% |" for t, c in sorted(threads.items(), key=lambda kv: -kv[1])[:6]]
    lines += ["", "| inclusive: stacks that contain | share |", "|---|---|"]
    lines += [f"| {g} | {inclusive.get(g, 0) * 100 / total:.0f}% |" for g, _ in groups]
    lines += ["", "| top self-time frames | share |", "|---|---|"]
    lines += [f"| `{m[:110]}` | {c * 100 / total:.1f}% |" for m, c in sorted(self_time.items(), key=lambda kv: -kv[1])[:15]]
    return lines


if __name__ == "__main__":
    print("\n".join(summarize(sys.argv[1])))
