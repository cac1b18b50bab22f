#!/usr/bin/env bash
# Usage: benchmarks/rest-ceiling.sh            (from anywhere, after the README's build command; loopback only)
#
# The control plane against what its PostgreSQL can commit:
#   1. starts the packaged appliance as README.md says (java -jar target/service/quarkus-app/quarkus-run.jar, embedded
#      PostgreSQL, a fresh data dir under $REST_DIR) on 127.0.0.1:$REST_PORT, iSCSI on 127.0.0.1:$REST_ISCSI_PORT;
#   2. the ceiling: pgbench on the same PostgreSQL (synchronous commit on, as the service runs it) runs Mooring's own
#      hot statements, read from the SQL files the service loads (src/main/resources/io/mooring/attachment/*.sql):
#      one cycle = reserve.sql (one statement), then the delete as the service pipelines it (\startpipeline: BEGIN;
#      delete-lock.sql; delete-unconnected.sql; delete-remaining.sql; COMMIT), each client on its own volume (rows
#      inserted for it), prepared statements. Parameters are the files' $n, bound by the name in their header
#      (PGBENCH_PARAM below; AttachmentSqlFilesTest fails if a file names one this script does not bind);
#   3. the HTTP reserve+delete cycles (rest-load.py --mode reserve: each worker owns one volume and one keep-alive
#      connection), alternating with the ceiling at each concurrency of $REST_CONCURRENCY, $REST_ROUNDS times;
#   4. connect (create with a connector: CHAP account, export) + delete cycles at $REST_CONNECT_CONCURRENCY, against
#      the ceiling of the same concurrency; 5. the list-heavy mix (volumes/detail and attachments/detail, 500 rows each)
#      at $REST_LIST_CONCURRENCY;
#   6. stops the appliance (trap: also on error or ^C) and deletes its data dir (the log is kept).
# Each figure has the load average (1/5/15 min) printed beside it: the machine is shared.
#
# Env: REST_JAR       the appliance (target/service/quarkus-app/quarkus-run.jar), e.g. an older build to compare
#      REST_PORT (18776)  REST_ISCSI_PORT (13260)  REST_DIR work dir (mktemp under /tmp)
#      REST_SECONDS (10) measured seconds per run   REST_WARMUP (5) unmeasured seconds before each HTTP run
#      REST_ROUNDS (1)   REST_CONCURRENCY ("1 4 16 64")  REST_CONNECT_CONCURRENCY ("1 16")  REST_LIST_CONCURRENCY ("4")
#      REST_JFR       a JFR file: the appliance records (settings=profile) from the first measured HTTP run to the
#                     end, and its hot methods (top frames) are printed
#      REST_JAVA_OPTS extra JVM options for the appliance
# Runtime with the defaults: about 4 minutes.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/.ci/jdk25.sh"
JAR=${REST_JAR:-$ROOT/target/service/quarkus-app/quarkus-run.jar}
PORT=${REST_PORT:-18776}
ISCSI_PORT=${REST_ISCSI_PORT:-13260}
SECS=${REST_SECONDS:-10}
WARMUP=${REST_WARMUP:-5}
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
LOCK=$(statement delete-lock.sql)
UNCONNECTED=$(statement delete-unconnected.sql)
REMAINING=$(statement delete-remaining.sql)
printf '%s \\gset r_\n\\startpipeline\nBEGIN;\n%s;\n%s;\n%s;\nCOMMIT;\n\\endpipeline\n' \
    "$RESERVE" "$LOCK" "$UNCONNECTED" "$REMAINING" >"$WORK/cycle.pgbench"
MAXC=$(tr ' ' '\n' <<<"$CONC $CONNECT_CONC" | sort -n | tail -1)
"$PG_BIN/psql" -XqAt -v ON_ERROR_STOP=1 <<SQL
INSERT INTO volumes (id, project_id, name, size, status, attach_status, volume_type_id, multiattach, backing_path, created_at)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, '$PROJECT', 'ceiling-' || i, 1, 'available', 'detached',
       (SELECT id FROM volume_types WHERE name = '__DEFAULT__'), false, '/nonexistent/mooring-ceiling-' || i, now() AT TIME ZONE 'utc'
  FROM generate_series(0, $MAXC - 1) i;
SQL

declare -A CEIL
ceiling() {   # <concurrency>: prints the line, remembers cycles/s
    local c=$1 out tps lat
    rm -f "$WORK"/pgb.*
    out=$("$PG_BIN/pgbench" -n -M prepared -c "$c" -j "$(( c < 2 ? 1 : 2 ))" -T "$SECS" -f "$WORK/cycle.pgbench" \
        -l --log-prefix="$WORK/pgb" 2>&1) || { echo "$out" >&2; log "pgbench failed"; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
    lat=$(cat "$WORK"/pgb.* | awk '{print $3/1000}' | sort -n | awk '{a[NR]=$1} END{printf "p50 %.1f ms, p99 %.1f ms", a[int(NR*0.5)+1], a[int(NR*0.99)+1]}')
    CEIL[$c]=$tps
    printf '%-8s c=%-3s %9.1f cycles/s %8s %s   (load %s)\n' ceiling "$c" "$tps" "" "$lat" "$(load)"
}
http() {   # <mode> <concurrency>
    local mode=$1 c=$2 out rate p50 p99 ratio
    out=$(python3 "$HERE/rest-load.py" "http://127.0.0.1:$PORT" "$TOKEN" "$PROJECT" --mode "$mode" \
        --seconds "$SECS" --warmup "$WARMUP" --concurrency "$c")
    rate=$(sed -n 's/.*: \([0-9.]*\) \(cycles\|requests\)\/s.*/\1/p' <<<"$out")
    p50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$out")
    p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$out")
    if [ "$mode" = list ]; then
        printf '%-8s c=%-3s %9.1f req/s    %8s p50 %.1f ms, p99 %.1f ms   (load %s)\n' "$mode" "$c" "$rate" "" "$p50" "$p99" "$(load)"
    else
        ratio=$(awk -v a="$rate" -v b="${CEIL[$c]:-0}" 'BEGIN{ if (b > 0) printf "%.0f%%", 100*a/b; else print "n/a" }')
        printf '%-8s c=%-3s %9.1f cycles/s %8s p50 %.1f ms, p99 %.1f ms   (load %s)\n' "$mode" "$c" "$rate" "$ratio" "$p50" "$p99" "$(load)"
    fi
}

JFR_STARTED=0
jfr_start() {
    if [ -n "${REST_JFR:-}" ] && [ "$JFR_STARTED" = 0 ]; then
        jcmd "$PID" JFR.start name=rest settings=profile >/dev/null
        JFR_STARTED=1
    fi
}

JAR_REV=$(cd "$(dirname "$JAR")/../../.." 2>/dev/null && git log -1 --format=%h 2>/dev/null || echo "?")
echo "== Mooring control plane vs its PostgreSQL ($(date -u +%Y-%m-%dT%H:%MZ), $JAR (tree $JAR_REV), $(nproc) cores, ${SECS}s per run)"
printf '%-8s %-5s %18s %8s %s\n' run conc rate of-ceiling latency
for round in $(seq 1 "$ROUNDS"); do
    for c in $CONC; do
        ceiling "$c"
        jfr_start
        http reserve "$c"
    done
done
for c in $CONNECT_CONC; do
    [ -n "${CEIL[$c]:-}" ] || ceiling "$c"
    http connect "$c"
done
for c in $LIST_CONC; do
    http list "$c"
done
if [ "$JFR_STARTED" = 1 ]; then
    jcmd "$PID" JFR.dump name=rest filename="$REST_JFR" >/dev/null
    echo "-- JFR $REST_JFR: hot methods (top frames of the execution samples)"
    jfr view --width 150 hot-methods "$REST_JFR" | sed -n '1,30p'
fi
"$PG_BIN/psql" -XqAt -c "DELETE FROM volumes WHERE name LIKE 'ceiling-%' AND backing_path LIKE '/nonexistent/mooring-ceiling-%'"
