# Sourced by .ci/run and the benchmark scripts: exports JAVA_HOME (and PATH) for a JDK 25, which Mooring builds and
# runs on; keeps the caller's JAVA_HOME when that already is one.
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
  JAVA_HOME=$(ls -d /usr/lib/jvm/temurin-2[5-9]*-jdk-* 2>/dev/null | sort -V | tail -1)
  [ -n "$JAVA_HOME" ] || { echo "no JDK 25 under /usr/lib/jvm (Temurin 25 expected); set JAVA_HOME to one" >&2; exit 1; }
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
