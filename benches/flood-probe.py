#!/usr/bin/env python3
"""Flood probe of issue 18: does a flood of expensive requests starve cheap
ones, outlive its clients or grow memory?

Starts `patsearch serve` on an index, measures its resident memory at rest,
then for DURATION seconds runs FLOOD clients that each send expensive
keyword queries back to back (wildcard patterns, limit 100; each client
drops its connection after CLIENT_TIMEOUT seconds, as an impatient client
does) while one paced client sends cheap keyword queries (the eval/nl
keyword-form topics) and records their latency. After the last request it
samples the server's CPU time every 100 ms and reports when the process
went idle, its RSS then, and the cheap queries' latency percentiles and
statuses.

Usage: python3 benches/flood-probe.py [INDEX_DIR] (default: index, built
by the README's first command). Environment: BIN (default
target/release/patsearch), FLOOD=16, DURATION=20, CLIENT_TIMEOUT=10,
PATTERN=broad|wide (broad: 12 leading-and-trailing wildcard patterns per
query, within the server's limits; wide: the probe's 400 `*ab*` patterns,
which the server refuses), PORT=18090.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time

index = sys.argv[1] if len(sys.argv) > 1 else "index"
binary = os.environ.get("BIN", "target/release/patsearch")
flood = int(os.environ.get("FLOOD", "16"))
duration = float(os.environ.get("DURATION", "20"))
client_timeout = float(os.environ.get("CLIENT_TIMEOUT", "10"))
pattern = os.environ.get("PATTERN", "broad")
port = int(os.environ.get("PORT", "18090"))
ticks = os.sysconf("SC_CLK_TCK")

if not os.path.isdir(index):
    sys.exit(f"no index at {index}: build it with the README's first command")


def letters():
    for a in "abcdefghijklmnopqrstuvwxyz":
        for b in "abcdefghijklmnopqrstuvwxyz":
            yield a + b


def expensive_query(i):
    pairs = list(letters())
    if pattern == "wide":
        return " ".join(f"*{p}*" for p in pairs[:400])
    start = (i * 12) % (len(pairs) - 12)
    return " ".join(f"*{p}*" for p in pairs[start : start + 12])


def cheap_queries():
    path = "../shared/eval/nl/queries-kw.tsv"
    if not os.path.exists(path):
        return ["wireless charging", "recoil spring", "battery electrode", "image sensor"]
    with open(path) as f:
        return [line.rstrip("\n").split("\t", 1)[1] for line in f if "\t" in line]


def post(query, mode, limit, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    body = json.dumps({"query": query, "mode": mode, "limit": limit, "highlight": False})
    started = time.monotonic()
    try:
        conn.request("POST", "/v1/search", body, {"content-type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except (TimeoutError, OSError):
        return "dropped", time.monotonic() - started
    finally:
        conn.close()


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    rss_mib = int(status["VmRSS"].split()[0]) / 1024
    threads = int(status["Threads"].strip())
    return cpu, rss_mib, threads


server = subprocess.Popen(
    [binary, "serve", "--index", index, "--addr", f"127.0.0.1:{port}"],
    stdout=subprocess.DEVNULL,
    stderr=open("/tmp/patsearch-flood-probe.log", "w"),
)
try:
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    queries = cheap_queries()
    for q in queries[:10]:
        post(q, "keyword", 10, 10)
    _, baseline_rss, baseline_threads = proc_stat(server.pid)

    stop = time.monotonic() + duration
    flood_statuses = {}
    cheap = []
    lock = threading.Lock()
    peak = {"rss": baseline_rss, "threads": baseline_threads}

    def flooder(i):
        n = i
        while time.monotonic() < stop:
            status, _ = post(expensive_query(n), "keyword", 100, client_timeout)
            n += flood
            with lock:
                flood_statuses[status] = flood_statuses.get(status, 0) + 1

    def cheap_client():
        n = 0
        while time.monotonic() < stop:
            status, took = post(queries[n % len(queries)], "keyword", 10, 30)
            n += 1
            with lock:
                cheap.append((status, took))
            time.sleep(0.05)

    def sampler():
        while time.monotonic() < stop:
            _, rss, threads = proc_stat(server.pid)
            peak["rss"] = max(peak["rss"], rss)
            peak["threads"] = max(peak["threads"], threads)
            time.sleep(0.2)

    workers = [threading.Thread(target=flooder, args=(i,)) for i in range(flood)]
    workers += [threading.Thread(target=cheap_client), threading.Thread(target=sampler)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ended = time.monotonic()

    # Idle: less than 5% of one core over a 500 ms window.
    idle_after = None
    window = []
    while time.monotonic() - ended < 300:
        cpu, _, _ = proc_stat(server.pid)
        window.append((time.monotonic(), cpu))
        # Keep the shortest tail of samples that spans at least 500 ms.
        while len(window) > 2 and window[-1][0] - window[1][0] >= 0.5:
            window.pop(0)
        if window[-1][0] - window[0][0] >= 0.5:
            used = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
            if used < 0.05:
                idle_after = window[0][0] - ended
                break
        time.sleep(0.1)
    _, rss_after, threads_after = proc_stat(server.pid)

    ok = sorted(t for s, t in cheap if s == 200)
    statuses = {}
    for s, _ in cheap:
        statuses[s] = statuses.get(s, 0) + 1

    def pct(p):
        return ok[min(len(ok) - 1, int(round(p / 100 * (len(ok) - 1))))] * 1e3 if ok else float("nan")

    print(f"machine: {os.cpu_count()} cores; flood {flood} clients x {duration:.0f} s, pattern {pattern}, client timeout {client_timeout:g} s")
    print(f"flood answers: {flood_statuses}")
    print(f"cheap keyword queries: {len(cheap)} sent, statuses {statuses}; p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {pct(100):.1f} ms")
    print(f"CPU idle {idle_after:.2f} s after the last request" if idle_after is not None else "CPU still busy 300 s after the last request")
    print(f"RSS: baseline {baseline_rss:.0f} MiB, peak {peak['rss']:.0f} MiB, after {rss_after:.0f} MiB ({rss_after / baseline_rss:.2f}x baseline)")
    print(f"threads: baseline {baseline_threads}, peak {peak['threads']}, after {threads_after}")
finally:
    server.terminate()
    server.wait(timeout=60)
