#!/usr/bin/env bash
# Usage: benchmarks/e2e.sh            (from anywhere; needs root for tgt, loopback only)
#
# End-to-end comparison of Mooring's iSCSI target with the tgt 1.0.85 peer on this machine, same initiator
# (fio + libiscsi, one session), same negotiated parameters:
#   1. builds the engine and the benchmarks jar (E2E_BUILD=0 skips; the shaded benchmarks jar carries the engine,
#      Netty with native epoll and JCTools, so it is the launcher's class path too, copied to the work dir so a
#      rebuild cannot pull it from under the running JVM);
#   2. measures the TCP ping-pong floor of a 4 KiB QD1 read (io.mooring.bench.PingPong: 48-byte request,
#      48+4096-byte answer, loopback, one in flight);
#   3. starts io.mooring.engine.TargetLauncher alone on 127.0.0.1:$E2E_PORT serving a 1 GiB sparse file as LUN 0
#      with CHAP, and the tgt peer (/work/shared/tools/peer-tgt.sh) on 127.0.0.1:3261 with PEER_TGT_PARAMS so that
#      both negotiate, with libiscsi, exactly:
#          MaxRecvDataSegmentLength=262144 (both directions)  FirstBurstLength=262144  MaxBurstLength=262144
#          ImmediateData=Yes  InitialR2T=No  MaxOutstandingR2T=1
#      (the engine declares MRDSL 262144, caps FirstBurst at 262144 and MaxBurst at 1 MiB, ANDs ImmediateData=Yes
#       and ORs InitialR2T=No, see io.mooring.engine.iscsi.login.ParameterNegotiator; libiscsi offers 262144 for
#       both bursts and InitialR2T=No; checked with LIBISCSI_DEBUG=10 iscsi-readcapacity16 against both);
#   4. warms Mooring's JIT up with every workload (E2E_WARMUP s each, not counted), then
#      runs /work/shared/tools/iscsi-bench.sh --compare <mooring> <tgt> (A B A B ..., ratio = median of per-round
#      A/B IOPS ratios) with both targets' CPU use, and prints the ratio per workload against the issue's targets,
#      plus 4k QD1 random read as a fraction of the ping-pong floor;
#   5. stops both targets and deletes the LUN files (trap: also on error or ^C).
#
# Env: BENCH_ROUNDS (3)  BENCH_RUNTIME (12)  BENCH_RAMP (2)  passed to iscsi-bench.sh
#      E2E_WORKLOADS  (the four standard ones + randread-4k-qd1)
#      E2E_PORT       (13280; Mooring's launcher, 13280-13289 reserved for it)   E2E_PINGPONG_PORT (13289)
#      E2E_DIR        work dir (mktemp under /tmp)   E2E_BUILD (1)
#      E2E_WARMUP     seconds per workload of an unmeasured warm-up run against Mooring first (5; 0 = none)
#      E2E_JFR        if set, a JFR file path: the launcher records for the whole run (settings=profile)
#      E2E_JAVA_OPTS  extra JVM options for the launcher (e.g. -Xmx2g)
#      E2E_LAUNCHER   a native TargetLauncher executable instead of the JVM (target-engine/target/mooring-target-launcher,
#                     built by `mvn -Dnative package`, see native/README.md); E2E_JFR and E2E_JAVA_OPTS do not apply
# Output (stdout): the iscsi-bench lines, then a summary table. Runtime: about
#   (1 prefill + ROUNDS x 2 x workloads x (RUNTIME + RAMP + ~1)) s; 3 rounds, 5 workloads, 12+2 s: ~8 min.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/.ci/jdk25.sh"
TOOLS=${E2E_TOOLS:-$(cd "$ROOT/.." && pwd)/shared/tools}
[ -x "$TOOLS/iscsi-bench.sh" ] || TOOLS=/work/shared/tools
PORT=${E2E_PORT:-13280}
PP_PORT=${E2E_PINGPONG_PORT:-13289}
TGT_PORT=3261
IQN=iqn.2024-01.io.mooring:bench
CHAP_USER=benchuser
CHAP_SECRET=benchsecret12
INITIATOR=${BENCH_INITIATOR:-iqn.2024-01.local.bench:fio}
export BENCH_ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_RUNTIME=${BENCH_RUNTIME:-12}
export BENCH_RAMP=${BENCH_RAMP:-2}
export BENCH_WORKLOADS=${E2E_WORKLOADS:-"randread-4k-qd32 randwrite-4k-qd32 seqread-1m-qd8 seqwrite-1m-qd8 randread-4k-qd1"}
export PEER_TGT_PARAMS="MaxRecvDataSegmentLength=262144,MaxXmitDataSegmentLength=262144,FirstBurstLength=262144,MaxBurstLength=262144,ImmediateData=Yes,InitialR2T=No,MaxOutstandingR2T=1"
WORK=${E2E_DIR:-$(mktemp -d /tmp/mooring-e2e-XXXXXX)}
mkdir -p "$WORK"
LAUNCHER_PID=""
TGT_STARTED=0

log() { echo "e2e: $*" >&2; }

cleanup() {
    local rc=$?
    if [ -n "$LAUNCHER_PID" ] && kill -0 "$LAUNCHER_PID" 2>/dev/null; then
        kill -TERM "$LAUNCHER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$LAUNCHER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$LAUNCHER_PID" 2>/dev/null || true
        log "stopped Mooring launcher pid $LAUNCHER_PID"
    fi
    if [ "$TGT_STARTED" = 1 ]; then
        "$TOOLS/peer-tgt.sh" stop "$TGT_PORT" >&2 || true
    fi
    rm -f "$WORK/lun.img" "$WORK/benchmarks.jar"
    log "work dir $WORK (launcher log, bench logs) kept; LUN files removed"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${E2E_BUILD:-1}" = 1 ]; then
    log "building the engine and the benchmarks jar"
    # The reactor builds the engine for the benchmarks module: nothing is installed into ~/.m2, and it works on a
    # fresh clone (online the first time, as the README's build command is).
    (cd "$ROOT" && mvn -B -q -pl benchmarks -am package -DskipTests) >"$WORK/build.log" 2>&1 \
        || { cat "$WORK/build.log" >&2; log "build failed"; exit 1; }
fi
[ -f "$ROOT/benchmarks/target/benchmarks.jar" ] || { log "no benchmarks/target/benchmarks.jar: build first"; exit 1; }
cp "$ROOT/benchmarks/target/benchmarks.jar" "$WORK/benchmarks.jar"
CP="$WORK/benchmarks.jar"

log "TCP ping-pong floor (48 B request, 48+4096 B answer, QD1, loopback)"
# the floor is context, not a gate: a busy port or a failure leaves it out of the summary
PP=$(java -cp "$CP" io.mooring.bench.PingPong 5 "$PP_PORT" 2>"$WORK/pingpong.err") \
    || { log "ping-pong failed (port $PP_PORT busy?): $(tail -1 "$WORK/pingpong.err")"; PP=""; }
echo "${PP:-pingpong n/a}"
FLOOR_RPS=$(sed -n 's/.* rps=\([0-9]*\).*/\1/p' <<<"$PP")
FLOOR_RPS=${FLOOR_RPS:-0}

JFR_OPTS=()
if [ -n "${E2E_JFR:-}" ]; then
    JFR_OPTS=(-XX:+FlightRecorder "-XX:StartFlightRecording=settings=profile,filename=$E2E_JFR,dumponexit=true")
fi
if [ -n "$(ss -ltnH "sport = :$PORT" 2>/dev/null)" ]; then
    log "127.0.0.1:$PORT is already taken by another process: set E2E_PORT (13280-13289)"; exit 1
fi
if [ -n "${E2E_LAUNCHER:-}" ]; then
    LAUNCHER=("$E2E_LAUNCHER")
    LAUNCHER_KIND="native $(basename "$E2E_LAUNCHER")"
else
    # shellcheck disable=SC2206
    LAUNCHER=(java --enable-native-access=ALL-UNNAMED ${E2E_JAVA_OPTS:-} "${JFR_OPTS[@]}" -cp "$CP" io.mooring.engine.TargetLauncher)
    LAUNCHER_KIND="JVM $(java -version 2>&1 | head -1 | cut -d'"' -f2)"
fi
log "starting Mooring's target ($LAUNCHER_KIND) on 127.0.0.1:$PORT"
"${LAUNCHER[@]}" \
    --listen "127.0.0.1:$PORT" --iqn "$IQN" --file "$WORK/lun.img" --size 1G \
    --chap "$CHAP_USER:$CHAP_SECRET" --initiator "$INITIATOR" \
    --initiator iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-readcapacity16 \
    >"$WORK/launcher.log" 2>&1 &
LAUNCHER_PID=$!
for _ in $(seq 1 100); do
    grep -q "^listening on" "$WORK/launcher.log" 2>/dev/null && break
    kill -0 "$LAUNCHER_PID" 2>/dev/null || { cat "$WORK/launcher.log" >&2; log "launcher exited"; exit 1; }
    sleep 0.2
done
grep -q "^listening on" "$WORK/launcher.log" || { cat "$WORK/launcher.log" >&2; log "launcher did not start"; exit 1; }
URL_A="iscsi://$CHAP_USER%$CHAP_SECRET@127.0.0.1:$PORT/$IQN/0"

log "starting the tgt peer on 127.0.0.1:$TGT_PORT ($PEER_TGT_PARAMS)"
TGT_STARTED=1
# a peer left running from an earlier run may have other parameters: start it fresh
"$TOOLS/peer-tgt.sh" stop "$TGT_PORT" >&2 || true
URL_B=$("$TOOLS/peer-tgt.sh" start "$TGT_PORT" | tail -1)
TGT_PID=$(cat "/tmp/peer-tgt-$TGT_PORT/tgtd.pid" 2>/dev/null || true)

for u in "$URL_A" "$URL_B"; do
    LIBISCSI_DEBUG=10 iscsi-readcapacity16 "$u" 2>&1 \
        | sed -n 's/.*TargetLoginReply: \(InitialR2T\|ImmediateData\|MaxBurstLength\|FirstBurstLength\|MaxOutstandingR2T\|MaxRecvDataSegmentLength\)=\([^ ]*\).*/\1=\2/p' \
        | sort | tr '\n' ' ' | sed "s|^|e2e: negotiated with ${u##*@}: |; s|\$|\n|" >&2
done

N=$(wc -w <<<"$BENCH_WORKLOADS")
if [ "${E2E_WARMUP:-5}" -gt 0 ]; then
    # JIT warm-up of Mooring's data path, not measured: a cold JVM runs round 1 of each workload interpreted
    # (4k QD1 measured 4.2k IOPS cold vs 10-17k warm); tgt, being C, needs none
    log "warm-up: every workload ${E2E_WARMUP:-5}s against Mooring (not counted)"
    BENCH_RUNTIME=${E2E_WARMUP:-5} BENCH_RAMP=1 BENCH_REPEAT=1 BENCH_INITIATOR=$INITIATOR BENCH_LOGDIR="$WORK/warmup" \
        timeout $((60 + N * (${E2E_WARMUP:-5} + 10))) "$TOOLS/iscsi-bench.sh" "$URL_A" >"$WORK/warmup.txt" 2>&1 \
        || log "warm-up incomplete (see $WORK/warmup.txt)"
fi
BUDGET=$(( 120 + BENCH_ROUNDS * 2 * N * (BENCH_RUNTIME + BENCH_RAMP + 10) ))
log "iscsi-bench --compare: rounds=$BENCH_ROUNDS runtime=${BENCH_RUNTIME}s workloads=$N (time limit ${BUDGET}s)"
BENCH_TARGET_PID_A=$LAUNCHER_PID BENCH_TARGET_PID_B=$TGT_PID BENCH_INITIATOR=$INITIATOR \
BENCH_LOGDIR="$WORK/bench" \
    timeout "$BUDGET" "$TOOLS/iscsi-bench.sh" --compare "$URL_A" "$URL_B" | tee "$WORK/compare.txt"

echo
ENGINE_REV=$(git -C "$ROOT" log -1 --format=%h -- target-engine 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet -- target-engine/src/main 2>/dev/null || ENGINE_REV="$ENGINE_REV+dirty"
[ "${E2E_BUILD:-1}" = 1 ] || ENGINE_REV="$ENGINE_REV (tree now; E2E_BUILD=0 used an earlier jar)"
echo "== Mooring ($LAUNCHER_KIND) vs tgt ($(date -u +%Y-%m-%dT%H:%MZ), engine $ENGINE_REV, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), rounds=$BENCH_ROUNDS, ${BENCH_RUNTIME}s each)"
printf '%-18s %8s %8s %-6s %12s %12s\n' workload ratio target met mooring tgt
awk -v floor="$FLOOR_RPS" '
    BEGIN { t["randread-4k-qd32"]=1.5; t["randwrite-4k-qd32"]=1.5; t["seqread-1m-qd8"]=1.3; t["seqwrite-1m-qd8"]=1.3;
            t["randread-4k-qd1"]=1.2 }
    $2 == "ratio" {
        wl=$1; r=$3; goal=(wl in t) ? t[wl] : 0
        bw = (wl ~ /1m/)
        a = bw ? $6 " MiB/s" : $5 " IOPS"; b = bw ? $9 " MiB/s" : $8 " IOPS"
        met = (goal == 0 || r == "n/a") ? "-" : (r + 0 >= goal ? "yes" : "NO")
        printf "%-18s %8s %8s %-6s %12s %12s\n", wl, r, goal ? ">=" goal : "-", met, a, b
        if (wl == "randread-4k-qd1" && floor > 0)
            printf "%-18s mooring %.0f%% / tgt %.0f%% of the TCP ping-pong floor (%d round trips/s)\n", "", 100*$5/floor, 100*$8/floor, floor
    }' "$WORK/compare.txt"
