#!/usr/bin/env bash
# Usage: benchmarks/rest-ceiling.sh            (from anywhere, after the README's build command; loopback only)
#
# The control plane against what its PostgreSQL can commit:
#   1. starts the packaged appliance as README.md says (java -jar target/service/quarkus-app/quarkus-run.jar, embedded
#      PostgreSQL, a fresh data dir under $REST_DIR) on 127.0.0.1:$REST_PORT, iSCSI on 127.0.0.1:$REST_ISCSI_PORT;
#   2. the ceiling: pgbench on the same PostgreSQL (synchronous commit on, as the service runs it) runs Mooring's own
#      hot statements, read from the SQL files the service loads (src/main/resources/io/mooring/attachment/*.sql):
#      one cycle = reserve.sql (one statement), then the delete, delete.sql (one statement: migration V5's function),
#      as the service sends them, each client on its own volume (rows
#      inserted for it), prepared statements. Parameters are the files' $n, bound by the name in their header
#      (PGBENCH_PARAM below; AttachmentSqlFilesTest fails if a file names one this script does not bind);
#   3. the HTTP reserve+delete cycles (io.mooring.bench.RestLoad --mode reserve, from benchmarks.jar: each worker, a
#      thread, owns one volume and one keep-alive connection), alternating with the ceiling at each concurrency of
#      $REST_CONCURRENCY, $REST_ROUNDS times; each line shows the CPU per cycle of the JVM, of PostgreSQL and of the
#      client (pgbench, RestLoad): all share the two cores;
#   4. connect (create with a connector: CHAP account, export) + delete cycles at $REST_CONNECT_CONCURRENCY, against
#      the ceiling of the same concurrency; 5. the list-heavy mix (volumes/detail and attachments/detail, 500 rows each)
#      at $REST_LIST_CONCURRENCY;
#   6. stops the appliance (trap: also on error or ^C) and deletes its data dir (the log is kept).
# Every measured run starts with VACUUM (ANALYZE) of the attachment tables: each cycle leaves a soft-deleted row and
# dead index entries that the next lookups of the same volume walk past, and autovacuum looks only once a minute, so
# without it every run was slower than the one before it, a bias against whichever of a pair ran second.
# Each figure has the load average (1/5/15 min) printed beside it: the machine is shared.
#
# Env: REST_JAR       the appliance (target/service/quarkus-app/quarkus-run.jar), e.g. an older build to compare
#      REST_PORT (28776)  REST_ISCSI_PORT (23260)  REST_DIR work dir (mktemp under /tmp)
#      REST_SECONDS (10) measured seconds per run   REST_WARMUP (5) unmeasured seconds before each HTTP run
#      REST_WARMUP_FIRST (20) seconds of reserve+delete and of connect+delete at concurrency 16 before anything
#                     is measured (the JIT compiles both paths; 0 = none)
#      REST_ROUNDS (1)   REST_CONCURRENCY ("1 4 16 64")  REST_CONNECT_CONCURRENCY ("1 16")  REST_LIST_CONCURRENCY ("4")
#      REST_JFR       a JFR file: the appliance records (settings=profile) during the reserve+delete table (after the
#                     warm-up), then its hot methods (top frames) and the share of samples per library are printed
#      REST_JAVA_OPTS extra JVM options for the appliance
# Runtime with the defaults: about 5 minutes.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/.ci/jdk25.sh"
JAR=${REST_JAR:-$ROOT/target/service/quarkus-app/quarkus-run.jar}
LOAD_JAR=$ROOT/benchmarks/target/benchmarks.jar   # io.mooring.bench.RestLoad, the HTTP client
PORT=${REST_PORT:-28776}
ISCSI_PORT=${REST_ISCSI_PORT:-23260}
SECS=${REST_SECONDS:-10}
WARMUP=${REST_WARMUP:-5}
WARMUP_FIRST=${REST_WARMUP_FIRST:-20}
ROUNDS=${REST_ROUNDS:-1}
CONC=${REST_CONCURRENCY:-"1 4 16 64"}
CONNECT_CONC=${REST_CONNECT_CONCURRENCY:-"1 16"}
LIST_CONC=${REST_LIST_CONCURRENCY:-"4"}
SQL_DIR=$ROOT/src/main/resources/io/mooring/attachment
PROJECT=0123456789abcdef0123456789abcdef
PG_BIN=${MOORING_POSTGRES_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
WORK=${REST_DIR:-$(mktemp -d /tmp/mooring-rest-XXXXXX)}
mkdir -p "$WORK"
PID=""

log() { echo "rest-ceiling: $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

cleanup() {
    local rc=$?
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PID" 2>/dev/null || true
    fi
    rm -rf "$WORK/data"
    log "work dir $WORK (appliance log, pgbench scripts) kept; data dir removed"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -f "$JAR" ] || { log "no $JAR: run the README's build command first"; exit 1; }
[ -f "$LOAD_JAR" ] || { log "no $LOAD_JAR: run the README's build command first"; exit 1; }
[ -x "$PG_BIN/pgbench" ] || { log "no pgbench in $PG_BIN (Debian: postgresql-15)"; exit 1; }
for p in "$PORT" "$ISCSI_PORT"; do
    [ -z "$(ss -ltnH "sport = :$p" 2>/dev/null)" ] || { log "127.0.0.1:$p is taken: set REST_PORT / REST_ISCSI_PORT"; exit 1; }
done

# ---- the appliance, as the README starts it ----------------------------------------------------------------------
log "starting $JAR on 127.0.0.1:$PORT (data $WORK/data)"
# shellcheck disable=SC2086
java ${REST_JAVA_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
    -Dmooring.data-dir="$WORK/data" -Dquarkus.http.port="$PORT" \
    -Dmooring.iscsi.host=127.0.0.1 -Dmooring.iscsi.port="$ISCSI_PORT" -Dmooring.iscsi.advertised-address=127.0.0.1 \
    -jar "$JAR" >"$WORK/appliance.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/q/health/ready")" = 200 ] && break
    kill -0 "$PID" 2>/dev/null || { tail -30 "$WORK/appliance.log" >&2; log "the appliance exited"; exit 1; }
    sleep 0.2
done
TOKEN=$(cat "$WORK/data/admin-token")
PGPORT=$(sed -n 4p "$WORK/data/postgres/data/postmaster.pid")
PGPID=$(sed -n 1p "$WORK/data/postgres/data/postmaster.pid")
export PGHOST=127.0.0.1 PGPORT PGUSER=mooring PGDATABASE=postgres PGPASSWORD
PGPASSWORD=$(cat "$WORK/data/postgres/password")
log "ready; PostgreSQL on 127.0.0.1:$PGPORT, synchronous_commit=$("$PG_BIN/psql" -XAtc 'show synchronous_commit')"

# ---- the ceiling: Mooring's own statements through pgbench -----------------------------------------------------------
# How pgbench binds each parameter name the SQL files declare (-- params: ...). Client n owns volume ...-<n>.
declare -A PGBENCH_PARAM=(
    [volume_id]="('00000000-0000-4000-8000-' || lpad(:client_id::text, 12, '0'))"
    [admin]="true"
    [project_id]="'$PROJECT'"
    [instance_uuid]="'00000000-0000-4000-8000-000000000001'"
    [attach_mode]="NULL"
    [attachment_id]=":r_id"
    [revoked]="false"
)
statement() {   # <file.sql>: the statement with $n replaced by pgbench's binding of the n-th declared parameter
    local file=$SQL_DIR/$1 names i name sql
    IFS=', ' read -r -a names <<<"$(sed -n 's/^--[[:space:]]*params:[[:space:]]*//p' "$file")"
    sql=$(grep -v '^[[:space:]]*--' "$file")
    for ((i = ${#names[@]}; i >= 1; i--)); do   # $10 before $1
        name=${names[i-1]}
        [ -n "${PGBENCH_PARAM[$name]+x}" ] || { log "$1 declares parameter $name, which this script does not bind"; exit 1; }
        sql=${sql//\$$i/${PGBENCH_PARAM[$name]}}
    done
    printf '%s' "$sql"
}
RESERVE=$(statement reserve.sql)
DELETE=$(statement delete.sql)
printf '%s \\gset r_\n%s;\n' "$RESERVE" "$DELETE" >"$WORK/cycle.pgbench"
MAXC=$(tr ' ' '\n' <<<"$CONC $CONNECT_CONC" | sort -n | tail -1)
"$PG_BIN/psql" -XqAt -v ON_ERROR_STOP=1 <<SQL
INSERT INTO volumes (id, project_id, name, size, status, attach_status, volume_type_id, multiattach, backing_path, created_at)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, '$PROJECT', 'ceiling-' || i, 1, 'available', 'detached',
       (SELECT id FROM volume_types WHERE name = '__DEFAULT__'), false, '/nonexistent/mooring-ceiling-' || i, now() AT TIME ZONE 'utc'
  FROM generate_series(0, $MAXC - 1) i;
SQL

pg_ms() {   # CPU milliseconds the postmaster and its children have used so far
    java -cp "$LOAD_JAR" io.mooring.bench.RestLoad --cpu-ms "$PGPID"
}
vacuum() {   # before every measured run: each starts from the same tables, not from the dead rows of the runs before
    "$PG_BIN/psql" -XqAt -c "VACUUM (ANALYZE) volume_attachment, attachment_specs, volumes"
}
declare -A CEIL
ceiling() {   # <concurrency>: prints the line, remembers cycles/s
    local c=$1 out tps lat cpu0 cpu client
    rm -f "$WORK"/pgb.*
    vacuum
    cpu0=$(pg_ms)
    out=$({ TIMEFORMAT='client cpu %U %S'; time "$PG_BIN/pgbench" -n -M prepared -c "$c" -j "$(( c < 2 ? 1 : 2 ))" -T "$SECS" \
        -f "$WORK/cycle.pgbench" -l --log-prefix="$WORK/pgb" 2>&1; } 2>&1) || { echo "$out" >&2; log "pgbench failed"; exit 1; }
    client=$(sed -n 's/^client cpu \([0-9.]*\) \([0-9.]*\)$/\1 \2/p' <<<"$out" | awk '{print ($1 + $2) * 1000}')
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
    cpu=$(awk -v a="$cpu0" -v b="$(pg_ms)" -v n="$(cat "$WORK"/pgb.* | wc -l)" -v cl="$client" \
        'BEGIN{printf "pg %.2f ms cpu/cycle (client %.2f)", (b-a)/n, cl/n}')
    lat=$(cat "$WORK"/pgb.* | awk '{print $3/1000}' | sort -n | awk '{a[NR]=$1} END{printf "p50 %.1f ms, p99 %.1f ms", a[int(NR*0.5)+1], a[int(NR*0.99)+1]}')
    CEIL[$c]=$tps
    printf '%-8s c=%-3s %9.1f cycles/s %8s %s, %s   (load %s)\n' ceiling "$c" "$tps" "" "$lat" "$cpu" "$(load)"
}
http() {   # <mode> <concurrency>
    local mode=$1 c=$2 out rate p50 p99 ratio cpu
    vacuum
    out=$(java -cp "$LOAD_JAR" io.mooring.bench.RestLoad "http://127.0.0.1:$PORT" "$TOKEN" "$PROJECT" --mode "$mode" \
        --seconds "$SECS" --warmup "$WARMUP" --concurrency "$c" --jvm-pid "$PID" --pg-pid "$PGPID")
    cpu=$(sed -n 's/.*cpu\/[a-z]*: jvm \([0-9.]*\) ms, postgres \([0-9.]*\) ms, client \([0-9.]*\) ms.*/jvm \1 + pg \2 ms cpu (client \3)/p' <<<"$out")
    rate=$(sed -n 's/.*: \([0-9.]*\) \(cycles\|requests\)\/s.*/\1/p' <<<"$out")
    p50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$out")
    p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$out")
    if [ "$mode" = list ]; then
        printf '%-8s c=%-3s %9.1f req/s    %8s p50 %.1f ms, p99 %.1f ms, %s/req   (load %s)\n' "$mode" "$c" "$rate" "" "$p50" "$p99" "$cpu" "$(load)"
    else
        ratio=$(awk -v a="$rate" -v b="${CEIL[$c]:-0}" 'BEGIN{ if (b > 0) printf "%.0f%%", 100*a/b; else print "n/a" }')
        printf '%-8s c=%-3s %9.1f cycles/s %8s p50 %.1f ms, p99 %.1f ms, %s/cycle   (load %s)\n' "$mode" "$c" "$rate" "$ratio" "$p50" "$p99" "$cpu" "$(load)"
    fi
}


JAR_REV=$(cd "$(dirname "$JAR")/../../.." 2>/dev/null && git log -1 --format=%h 2>/dev/null || echo "?")
echo "== Mooring control plane vs its PostgreSQL ($(date -u +%Y-%m-%dT%H:%MZ), $JAR (tree $JAR_REV), $(nproc) cores, ${SECS}s per run)"
# JIT warm-up of both cycles, not measured: the first runs would otherwise pay for the compiler
if [ "$WARMUP_FIRST" -gt 0 ]; then
    log "warm-up: reserve+delete and connect+delete cycles at concurrency 16, ${WARMUP_FIRST}s each (not counted)"
    for mode in reserve connect; do
        java -cp "$LOAD_JAR" io.mooring.bench.RestLoad "http://127.0.0.1:$PORT" "$TOKEN" "$PROJECT" --mode $mode --seconds "$WARMUP_FIRST" \
            --concurrency 16 >/dev/null
    done
fi
[ -z "${REST_JFR:-}" ] || jcmd "$PID" JFR.start name=rest settings=profile >/dev/null
printf '%-8s %-5s %18s %8s %s\n' run conc rate of-ceiling latency
for round in $(seq 1 "$ROUNDS"); do
    for c in $CONC; do
        ceiling "$c"
        http reserve "$c"
    done
done
[ -z "${REST_JFR:-}" ] || jcmd "$PID" JFR.stop name=rest filename="$REST_JFR" >/dev/null
for c in $CONNECT_CONC; do
    [ -n "${CEIL[$c]:-}" ] || ceiling "$c"
    http connect "$c"
done
for c in $LIST_CONC; do
    http list "$c"
done
if [ -n "${REST_JFR:-}" ]; then
    echo "-- JFR $REST_JFR (the reserve+delete runs): hot methods (top frames of the execution samples)"
    jfr view --width 150 hot-methods "$REST_JFR" | sed -n '6,30p'
    echo "-- JFR: share of execution samples whose stack passes through (inclusive)"
    jfr print --events jdk.ExecutionSample --stack-depth 200 "$REST_JFR" | python3 -c '
import sys
groups = [("Hibernate ORM/Reactive", "org.hibernate."), ("SmallRye context propagation", "io.smallrye.context."),
          ("Mutiny", "io.smallrye.mutiny."), ("Vert.x SQL client", "io.vertx.sqlclient."), ("Vert.x PG client", "io.vertx.pgclient."),
          ("RESTEasy Reactive", "org.jboss.resteasy.reactive."), ("Jackson", "com.fasterxml.jackson."), ("ArC (CDI)", "io.quarkus.arc."),
          ("Netty", "io.netty."), ("Mooring", "io.mooring."), ("SecureRandom/UUID", "java.util.UUID.randomUUID"),
          ("MessageDigest (token hash)", "java.security.MessageDigest")]
counts, total, stack = {g: 0 for g, _ in groups}, 0, []
def flush():
    global total
    if stack:
        total += 1
        text = "\n".join(stack)
        for g, p in groups:
            if p in text:
                counts[g] += 1
for line in sys.stdin:
    if line.startswith("jdk.ExecutionSample"):
        flush(); stack = []
    elif "line:" in line:
        stack.append(line.strip())
flush()
for g, _ in groups:
    print("%6.1f%%  %s" % (100.0 * counts[g] / max(total, 1), g))
print("(%d samples)" % total)'
fi
"$PG_BIN/psql" -XqAt -c "DELETE FROM volumes WHERE name LIKE 'ceiling-%' AND backing_path LIKE '/nonexistent/mooring-ceiling-%'"
