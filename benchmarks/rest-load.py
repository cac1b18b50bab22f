#!/usr/bin/env python3
"""Attachment reserve+delete cycles against a running Mooring (or any Cinder v3 endpoint).

Usage: rest-load.py BASE_URL TOKEN PROJECT [--seconds 20] [--concurrency 1 16]

Each worker owns one volume (a non-multiattach volume admits one attachment at a time) and loops:
POST /v3/P/attachments (reserve, microversion 3.27) then DELETE /v3/P/attachments/<id>. Prints, per concurrency:
cycles/s and the p50/p99 latency of one whole cycle. Loopback only; bounded by --seconds.
"""
import argparse
import json
import threading
import time
import urllib.request

def call(base, token, method, path, body=None, version="3.27"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("X-Auth-Token", token)
    req.add_header("OpenStack-API-Version", "volume " + version)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base"); ap.add_argument("token"); ap.add_argument("project")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    a = ap.parse_args()
    if not a.base.startswith(("http://127.", "http://localhost")):
        raise SystemExit("loopback targets only")
    p = "/v3/" + a.project
    for conc in a.concurrency:
        vols = [call(a.base, a.token, "POST", p + "/volumes", {"volume": {"size": 1, "name": "load-%d" % i}})["volume"]["id"]
                for i in range(conc)]
        latencies, lock, stop = [], threading.Lock(), time.monotonic() + a.seconds
        def worker(vol):
            mine = []
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                att = call(a.base, a.token, "POST", p + "/attachments",
                           {"attachment": {"volume_uuid": vol, "instance_uuid": "00000000-0000-4000-8000-000000000001"}})
                call(a.base, a.token, "DELETE", p + "/attachments/" + att["attachment"]["id"])
                mine.append(time.perf_counter() - t0)
            with lock:
                latencies.extend(mine)
        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(v,)) for v in vols]
        for t in threads: t.start()
        for t in threads: t.join()
        elapsed = time.monotonic() - started
        latencies.sort()
        pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
        print("concurrency %d: %.1f cycles/s, p50 %.1f ms, p99 %.1f ms (%d cycles in %.1f s)"
              % (conc, len(latencies) / elapsed, pct(0.50), pct(0.99), len(latencies), elapsed))
        for v in vols:
            call(a.base, a.token, "DELETE", p + "/volumes/" + v)

if __name__ == "__main__":
    main()
