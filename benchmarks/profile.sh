#!/usr/bin/env bash
# Usage: benchmarks/profile.sh <workload> [<workload> ...]     e.g. randread-4k-qd32 seqread-1m-qd8
#
# Profiles Mooring's target alone (io.mooring.engine.TargetLauncher, 127.0.0.1:$PROFILE_PORT, 1 GiB file LUN,
# CHAP) under one iscsi-bench.sh workload at a time, a fresh launcher per workload:
#   * warm-up run first (JIT), then the measured run is recorded (attach, not at start-up):
#   * CPU: async-profiler 3.0 from Maven Central (tools.profiler:async-profiler, fetched once with
#     `mvn dependency:get` into ~/.m2; its jar carries linux-x64/libasyncProfiler.so), loaded as an agent,
#     event=cpu (falls back to itimer), Java + native + kernel frames where the kernel allows, collapsed stacks;
#   * allocations: JFR (settings=profile) jdk.ObjectAllocationSample, summed by top frame and class.
# Needs benchmarks/target/benchmarks.jar (run e2e.sh or the build commands of README.md first).
# Output: $PROFILE_DIR/<workload>.collapsed, .jfr, and on stdout for each workload: the target's IOPS and CPU,
# the top self-time frames, the top inclusive engine methods, the top allocation sites.
# Env: PROFILE_PORT (13281)  PROFILE_DIR (/tmp/mooring-profile)  BENCH_RUNTIME (20)  PROFILE_TOP (25)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/.ci/jdk25.sh"
TOOLS=${E2E_TOOLS:-$(cd "$ROOT/.." && pwd)/shared/tools}
[ -x "$TOOLS/iscsi-bench.sh" ] || TOOLS=/work/shared/tools
PORT=${PROFILE_PORT:-13281}
DIR=${PROFILE_DIR:-/tmp/mooring-profile}
TOP=${PROFILE_TOP:-25}
IQN=iqn.2024-01.io.mooring:bench
URL="iscsi://benchuser%benchsecret12@127.0.0.1:$PORT/$IQN/0"
export BENCH_RUNTIME=${BENCH_RUNTIME:-20} BENCH_RAMP=${BENCH_RAMP:-2} BENCH_REPEAT=1
[ $# -ge 1 ] || { sed -n '2,3p' "$0" >&2; exit 2; }
mkdir -p "$DIR"
cp "$ROOT/benchmarks/target/benchmarks.jar" "$DIR/benchmarks.jar"

AP_JAR=~/.m2/repository/tools/profiler/async-profiler/3.0/async-profiler-3.0.jar
[ -f "$AP_JAR" ] || mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:3.0 >&2 || true
AP_LIB=""
if [ -f "$AP_JAR" ]; then
    mkdir -p "$DIR/ap" && (cd "$DIR/ap" && unzip -o -q "$AP_JAR" 'linux-x64/*')
    AP_LIB="$DIR/ap/linux-x64/libasyncProfiler.so"
fi
EVENT=cpu
[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 1 ] || [ "$(id -u)" = 0 ] || EVENT=itimer

PID=""
stop_launcher() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID"; for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PID" 2>/dev/null || true
    fi
    PID=""
}
trap 'stop_launcher; rm -f "$DIR/lun.img"' EXIT

report() {   # <workload>: summaries of the collapsed stacks and of the JFR allocation samples
    local wl=$1 total
    set +o pipefail
    if [ -s "$DIR/$wl.collapsed" ]; then
        total=$(awk '{s+=$NF} END{print s}' "$DIR/$wl.collapsed")
        echo "-- top self frames (% of $total CPU samples of the whole JVM, steady state)"
        awk '{n=$NF; $NF=""; k=split($0, f, ";"); sub(/ +$/, "", f[k]); self[f[k]]+=n}
             END{for (m in self) print self[m], m}' "$DIR/$wl.collapsed" | sort -rn | head -"$TOP" \
            | awk -v t="$total" '{c=$1; $1=""; printf "%6.2f%% %s\n", 100*c/t, $0}'
        echo "-- top inclusive frames (engine, Netty, JDK I/O, syscalls)"
        awk '{n=$NF; $NF=""; k=split($0, f, ";"); split("", seen);
              for (i=1;i<=k;i++) { m=f[i]; sub(/ +$/, "", m);
                  if (m ~ /io\/mooring|io\/netty\/(channel|buffer|handler)|sun\/nio|__x64_sys|^sys_|do_sendfile|tcp_sendmsg|tcp_recvmsg|filemap_read|vfs_write/ && !(m in seen)) { seen[m]=1; inc[m]+=n } } }
             END{for (m in inc) print inc[m], m}' "$DIR/$wl.collapsed" | sort -rn | head -"$TOP" \
            | awk -v t="$total" '{c=$1; $1=""; printf "%6.2f%% %s\n", 100*c/t, $0}'
        echo "-- CPU by thread group"
        awk '{n=$NF; t="other"; if ($0 ~ /EpollEventLoop|NioEventLoop/) t="event loop"; else if ($0 ~ /GCTaskThread|G1|ConcurrentGC|gc_/) t="GC";
              else if ($0 ~ /CompileBroker|C2Compiler|C1Compiler/) t="JIT"; s[t]+=n; all+=n}
             END{for (k in s) printf "%6.2f%% %s\n", 100*s[k]/all, k}' "$DIR/$wl.collapsed" | sort -rn
    fi
    if [ -s "$DIR/$wl.jfr" ]; then
        echo "-- top allocation sites (JFR jdk.ObjectAllocationSample weight, MiB over the run): class @ top frame"
        jfr print --events jdk.ObjectAllocationSample --stack-depth 2 "$DIR/$wl.jfr" | awk '
            /objectClass = / {c=$3; d=0}
            /weight = / {w=$3; u=$4; x=w/1048576; if (u ~ /kB/) x=w/1024; else if (u ~ /MB/) x=w; else if (u ~ /GB/) x=w*1024}
            /line:/ {d++; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); if (d==1) f1=$0; else s[c " @ " f1 " <- " $0]+=x}
            END {for (k in s) printf "%10.1f %s\n", s[k], k}' | sort -rn | head -"$TOP"
    fi
    set -o pipefail
}

first=1
for wl in "$@"; do
    java -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
        -cp "$DIR/benchmarks.jar" io.mooring.engine.TargetLauncher --listen "127.0.0.1:$PORT" --iqn "$IQN" \
        --file "$DIR/lun.img" --size 1G --chap benchuser:benchsecret12 --initiator iqn.2024-01.local.bench:fio \
        --initiator iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-readcapacity16 >"$DIR/$wl.launcher.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 100); do grep -q "^listening on" "$DIR/$wl.launcher.log" && break; sleep 0.2; done
    echo "== $wl (async-profiler event=$EVENT after warm-up; BENCH_RUNTIME=${BENCH_RUNTIME}s)"
    # warm-up (and, the first time, prefill): JIT compiles the data path before anything is recorded
    BENCH_PREFILL=$first BENCH_RUNTIME=${PROFILE_WARMUP:-10} BENCH_WORKLOADS=$wl \
        timeout 300 "$TOOLS/iscsi-bench.sh" "$URL" >/dev/null 2>&1 || true
    first=0
    rm -f "$DIR/$wl.collapsed" "$DIR/$wl.jfr"
    [ -n "$AP_LIB" ] && jcmd "$PID" JVMTI.agent_load "$AP_LIB" "\"start,event=$EVENT,interval=1ms\"" >/dev/null
    jcmd "$PID" JFR.start name=bench settings=profile >/dev/null
    BENCH_PREFILL=0 BENCH_WORKLOADS=$wl BENCH_TARGET_PID=$PID \
        timeout $((BENCH_RUNTIME * 3 + 120)) "$TOOLS/iscsi-bench.sh" "$URL" || true
    [ -n "$AP_LIB" ] && jcmd "$PID" JVMTI.agent_load "$AP_LIB" "\"stop,collapsed,file=$DIR/$wl.collapsed\"" >/dev/null
    jcmd "$PID" JFR.dump name=bench filename="$DIR/$wl.jfr" >/dev/null
    stop_launcher
    report "$wl"
done
