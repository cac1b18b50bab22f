#!/usr/bin/env python3
"""Start-up and memory of the appliance, native or JVM, as native/README.md reports them.

Usage: native/measure.py COMMAND...      e.g.  native/measure.py target/mooring/mooring
                                               native/measure.py java -jar target/service/quarkus-app/quarkus-run.jar

In a fresh working directory (zero configuration, loopback ports chosen here), twice: a first start on an empty data
directory (initdb included) and a second start on that data. For each: time to /q/health/ready from the spawn,
PostgreSQL's part (spawn -> the log's "Started the local PostgreSQL") and Mooring's own part (that line -> Quarkus'
"started in" line), and the Mooring process's RSS (its PostgreSQL children not included) 5 s after ready. After the
first start, benchmarks/rest-load.py runs 20 s at concurrency 16 while the RSS is sampled: the peak is reported.
"""
import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
LOAD = os.path.join(HERE, "..", "benchmarks", "rest-load.py")
PROJECT = "0123456789abcdef0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def log_time(log, pattern):
    """Wall-clock time (epoch s) of the first log line matching pattern (Quarkus logs local time, ms)."""
    for line in log.splitlines():
        if re.search(pattern, line):
            stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            return stamp.timestamp()
    return None


def start(command, workdir, env, http):
    log = open(os.path.join(workdir, "appliance.log"), "a")
    offset = os.path.getsize(log.name)
    spawned = time.time()
    proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    while True:
        if proc.poll() is not None:
            raise SystemExit("exited with %d, see %s" % (proc.returncode, log.name))
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/q/health/ready" % http, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.02)
    ready = time.time()
    with open(log.name) as f:
        f.seek(offset)
        text = f.read()
    pg = log_time(text, r"Started the local PostgreSQL|Reusing the local PostgreSQL")
    started = log_time(text, r"started in [0-9.]+s")
    quarkus = re.search(r"started in ([0-9.]+)s", text)
    time.sleep(5)
    return proc, {
        "ready": ready - spawned,
        "postgres": (pg - spawned) if pg else float("nan"),
        "mooring": (started - pg) if pg and started else float("nan"),
        "quarkus": float(quarkus.group(1)) if quarkus else float("nan"),
        "rss": rss_mib(proc.pid),
    }


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)


def main():
    command = sys.argv[1:]
    if not command:
        raise SystemExit(__doc__)
    if os.path.exists(command[0]):
        command[0] = os.path.abspath(command[0])
    command = [os.path.abspath(c) if c.endswith(".jar") else c for c in command]
    workdir = tempfile.mkdtemp(prefix="mooring-measure-")
    os.chmod(workdir, 0o755)  # PostgreSQL runs as postgres when this runs as root
    http, iscsi = free_port(), free_port()
    env = dict(os.environ, QUARKUS_HTTP_PORT=str(http), MOORING_ISCSI_HOST="127.0.0.1",
               MOORING_ISCSI_PORT=str(iscsi), MOORING_ISCSI_ADVERTISED_ADDRESS="127.0.0.1")
    results = []
    try:
        proc, first = start(command, workdir, env, http)
        token = open(os.path.join(workdir, "mooring-data", "admin-token")).read().strip()
        peak, done = [first["rss"]], threading.Event()

        def sample():
            while not done.wait(0.2):
                peak.append(rss_mib(proc.pid))
        sampler = threading.Thread(target=sample)
        sampler.start()
        load = subprocess.run([sys.executable, LOAD, "http://127.0.0.1:%d" % http, token, PROJECT,
                               "--seconds", "20", "--concurrency", "16"], capture_output=True, text=True)
        done.set()
        sampler.join()
        first["load_rss"] = max(peak)
        first["load"] = load.stdout.strip().replace("\n", "; ")
        stop(proc)
        results.append(("first start (empty data dir)", first))
        proc, second = start(command, workdir, env, http)
        stop(proc)
        results.append(("second start", second))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("command: %s   load %s" % (" ".join(command), open("/proc/loadavg").read().split()[0:3]))
    print("%-30s %9s %10s %10s %10s %9s" % ("", "ready s", "postgres s", "mooring s", "quarkus s", "RSS MiB"))
    for name, r in results:
        print("%-30s %9.2f %10.2f %10.2f %10.3f %9.0f" % (name, r["ready"], r["postgres"], r["mooring"], r["quarkus"], r["rss"]))
    print("RSS peak under rest-load.py (20 s, concurrency 16): %.0f MiB; %s" % (first["load_rss"], first["load"]))


if __name__ == "__main__":
    main()
