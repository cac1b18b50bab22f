#!/usr/bin/env bash
# Usage: benchmarks/engine-ab.sh <benchmarks.jar A> <benchmarks.jar B>
#
# Engine A against engine B, same JVM and parameters: two TargetLaunchers (127.0.0.1:13286 for A, :13287 for B, a
# sparse 1 GiB LUN file each), then /work/shared/tools/iscsi-bench.sh --compare A B (alternating rounds; ratio =
# median of the per-round A/B IOPS ratios; tcpu = each launcher's CPU). Loopback only; stops both launchers at the end.
# Env: AB_WORKLOADS (randread-4k-qd32), BENCH_ROUNDS (6), BENCH_RUNTIME (10), BENCH_ENGINE (iscsi-perf: reads only,
#      no fio build needed; fio for write workloads), AB_DIR (/tmp/engine-ab).
# Build a jar of another commit without touching the worktree:
#   git archive <rev> | tar -x -C /tmp/rev && (cd /tmp/rev && mvn -B -q -o package -pl benchmarks -am -DskipTests)
set -uo pipefail
[ $# -eq 2 ] || { sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 2; }
JAR_A=$(realpath "$1"); JAR_B=$(realpath "$2")
DIR=${AB_DIR:-/tmp/engine-ab}
mkdir -p "$DIR"
INITIATOR=iqn.2024-01.local.bench:fio
CHAP=bench:benchsecret1234
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done; }
trap cleanup EXIT

start() { # jar port
    truncate -s 1G "$DIR/lun-$2.img"
    java --enable-native-access=ALL-UNNAMED -cp "$1" io.mooring.engine.TargetLauncher --listen "127.0.0.1:$2" \
        --iqn "iqn.2026-12.io.mooring:ab-$2" --file "$DIR/lun-$2.img" --size 1G --chap "$CHAP" \
        --initiator "$INITIATOR" --initiator iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-readcapacity16 \
        > "$DIR/launcher-$2.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 150); do grep -q "^listening on" "$DIR/launcher-$2.log" && return 0; sleep 0.2; done
    cat "$DIR/launcher-$2.log" >&2; echo "engine-ab: launcher on :$2 did not start" >&2; exit 1
}
for port in 13286 13287; do
    [ -z "$(ss -ltnH "sport = :$port")" ] || { echo "engine-ab: 127.0.0.1:$port is taken" >&2; exit 1; }
done
start "$JAR_A" 13286
start "$JAR_B" 13287
url() { echo "iscsi://${CHAP%%:*}%${CHAP#*:}@127.0.0.1:$1/iqn.2026-12.io.mooring:ab-$1/0"; }
echo "== engine A $JAR_A vs B $JAR_B ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load before $(cut -d' ' -f1-3 /proc/loadavg))"
BENCH_ENGINE=${BENCH_ENGINE:-iscsi-perf} BENCH_PREFILL=${BENCH_PREFILL:-0} BENCH_WORKLOADS=${AB_WORKLOADS:-randread-4k-qd32} \
BENCH_ROUNDS=${BENCH_ROUNDS:-6} BENCH_RUNTIME=${BENCH_RUNTIME:-10} BENCH_INITIATOR=$INITIATOR BENCH_LOGDIR="$DIR/logs" \
BENCH_TARGET_PID_A=${PIDS[0]} BENCH_TARGET_PID_B=${PIDS[1]} \
    /work/shared/tools/iscsi-bench.sh --compare "$(url 13286)" "$(url 13287)"
echo "== load after $(cut -d' ' -f1-3 /proc/loadavg)"
