#!/usr/bin/env python3
"""Attachment cycles and list reads against a running Mooring (or any Cinder v3 endpoint).

Usage: rest-load.py BASE_URL TOKEN PROJECT [--mode reserve|connect|list] [--seconds 20] [--warmup 0]
                    [--concurrency 1 16] [--rows 500]

Every worker holds one keep-alive HTTP/1.1 connection for the whole run.
  reserve  each worker owns one volume (a non-multiattach volume admits one attachment at a time) and loops:
           POST /v3/P/attachments (reserve, microversion 3.27) then DELETE /v3/P/attachments/<id>
  connect  the same with a connector in the POST (3.54: CHAP account generated, volume exported), then DELETE
           (revoke, soft delete): one connect+delete cycle
  list     --rows volumes, each with one reserved attachment, then workers alternate
           GET /v3/P/volumes/detail and GET /v3/P/attachments/detail (each answers all --rows rows)
Prints one line per concurrency: cycles/s (list: requests/s), p50/p99 of one cycle (list: one request), the count,
and with --jvm-pid / --pg-pid the CPU time the appliance's JVM and its PostgreSQL (the postmaster's processes) spent
per cycle during the measured run: a figure that a busy shared machine disturbs far less than the rates.
The --warmup seconds before each measured run are not counted. Loopback only; bounded by --seconds.
"""
import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse

INSTANCE = "00000000-0000-4000-8000-000000000001"


class Client:
    """One keep-alive connection; reconnects only if the server closed it."""

    def __init__(self, base, token, project):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.headers = {"X-Auth-Token": token, "Content-Type": "application/json", "Accept": "application/json"}
        self.prefix = "/v3/" + project
        self.conn = None

    def call(self, method, path, body=None, version="3.27", expect=(200, 202, 204)):
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self.headers, **{"OpenStack-API-Version": "volume " + version})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, self.prefix + path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if resp.status not in expect:
                raise RuntimeError("%s %s -> %d %s" % (method, path, resp.status, raw[:300]))
            if resp.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return json.loads(raw) if raw else None

    def close(self):
        if self.conn is not None:
            self.conn.close()


def ticks(pid, reaped=False):
    """utime + stime of one process in clock ticks (0 once it is gone), with reaped: plus its ended children's."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    except (OSError, ValueError, IndexError):
        return 0


def family(postmaster):
    """The postmaster and its children (backends, walwriter, checkpointer, ...)."""
    pids = [postmaster]
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        pids.append(int(name))
            except (OSError, ValueError, IndexError):
                pass
    return pids


def cpu_sample(jvm, pg):
    return (ticks(jvm) if jvm else 0, sum(ticks(p, reaped=p == pg) for p in family(pg)) if pg else 0)


def pct(latencies, q):
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")


def run(workers, seconds):
    """Runs each worker's step() until the deadline; returns (count, elapsed, sorted latencies)."""
    latencies, lock = [], threading.Lock()
    stop = time.monotonic() + seconds
    errors = []

    def loop(step):
        mine = []
        try:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                step()
                mine.append(time.perf_counter() - t0)
        except Exception as e:  # a failed request ends that worker, and the run says so
            errors.append(e)
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit("rest-load: %d worker(s) failed, first: %s" % (len(errors), errors[0]))
    latencies.sort()
    return len(latencies), time.monotonic() - started, latencies


def connector(i):
    return {"initiator": "iqn.2024-01.io.mooring.load:w%d" % i, "ip": "127.0.0.1", "host": "load-%d" % i,
            "platform": "x86_64", "os_type": "linux", "multipath": False}


def cycle_workers(clients, volumes, mode):
    def make(client, vol, i):
        if mode == "connect":
            body = {"attachment": {"volume_uuid": vol, "instance_uuid": INSTANCE, "connector": connector(i)}}
            version = "3.54"
        else:
            body = {"attachment": {"volume_uuid": vol, "instance_uuid": INSTANCE}}
            version = "3.27"

        def step():
            att = client.call("POST", "/attachments", body, version=version)
            client.call("DELETE", "/attachments/" + att["attachment"]["id"], version=version)
        return step
    return [make(c, v, i) for i, (c, v) in enumerate(zip(clients, volumes))]


def list_workers(clients, rows):
    def make(client, i):
        paths = ["/volumes/detail?limit=%d" % rows, "/attachments/detail?limit=%d" % rows]
        state = {"n": i}

        def step():
            path = paths[state["n"] % 2]
            state["n"] += 1
            client.call("GET", path)
        return step
    return [make(c, i) for i, c in enumerate(clients)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base"); ap.add_argument("token"); ap.add_argument("project")
    ap.add_argument("--mode", choices=["reserve", "connect", "list"], default="reserve")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=0)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--jvm-pid", type=int)
    ap.add_argument("--pg-pid", type=int, help="the postmaster")
    a = ap.parse_args()
    if not a.base.startswith(("http://127.", "http://localhost")):
        raise SystemExit("loopback targets only")
    admin = Client(a.base, a.token, a.project)
    for conc in a.concurrency:
        clients = [Client(a.base, a.token, a.project) for _ in range(conc)]
        nvol = a.rows if a.mode == "list" else conc
        vols = [admin.call("POST", "/volumes", {"volume": {"size": 1, "name": "load-%d" % i}})["volume"]["id"]
                for i in range(nvol)]
        atts = []
        try:
            if a.mode == "list":
                atts = [admin.call("POST", "/attachments", {"attachment": {"volume_uuid": v, "instance_uuid": INSTANCE}})
                        ["attachment"]["id"] for v in vols]
                workers = list_workers(clients, a.rows)
            else:
                workers = cycle_workers(clients, vols, a.mode)
            if a.warmup > 0:
                run(workers, a.warmup)
            before = cpu_sample(a.jvm_pid, a.pg_pid)
            n, elapsed, lat = run(workers, a.seconds)
            after = cpu_sample(a.jvm_pid, a.pg_pid)
            unit = "requests/s" if a.mode == "list" else "cycles/s"
            tick_ms = 1000.0 / os.sysconf("SC_CLK_TCK")
            cpu = ""
            if a.jvm_pid or a.pg_pid:
                cpu = ", cpu/%s: jvm %.2f ms, postgres %.2f ms" % ("request" if a.mode == "list" else "cycle",
                                                                  (after[0] - before[0]) * tick_ms / max(n, 1),
                                                                  (after[1] - before[1]) * tick_ms / max(n, 1))
            print("%s concurrency %d: %.1f %s, p50 %.1f ms, p99 %.1f ms (%d in %.1f s)%s"
                  % (a.mode, conc, n / elapsed, unit, pct(lat, 0.50), pct(lat, 0.99), n, elapsed, cpu), flush=True)
        finally:
            for c in clients:
                c.close()
            for att in atts:
                admin.call("DELETE", "/attachments/" + att)
            for v in vols:
                admin.call("DELETE", "/volumes/" + v)
    admin.close()


if __name__ == "__main__":
    main()
