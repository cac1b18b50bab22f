#!/usr/bin/env bash
# Usage: native/dist.sh <native executable> <distribution dir>
#
# Makes <distribution dir> what an operator copies to a machine: the executable as `mooring` plus the JDK shared
# libraries it links (the toolchain of ../shared/tools/native-toolchain has no static JDK libraries, so executables load
# libjava.so, libnio.so, ... at run time and look for them next to themselves first: RUNPATH starts with $ORIGIN).
# The system's own libraries (glibc, zlib) are not copied. Fails unless every copied library then resolves inside the
# directory. src/pom.xml runs it in the native profile (-Dnative), into target/mooring/.
set -euo pipefail

runner=$1
# normalised: ldd prints the libraries' paths under it, and they are compared with it below
dist=$(realpath -m "$2")
rm -rf "$dist"
mkdir -p "$dist"
cp "$runner" "$dist/mooring"

# ldd resolves transitively (libnio.so needs libnet.so, libjava.so needs libjvm.so): copy whatever it finds outside
# the system's library directories, once.
ldd "$dist/mooring" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | while read -r name path; do
    case "$path" in
        /lib/*|/lib64/*|/usr/lib/x86_64-linux-gnu/*) ;;
        *) cp -L "$path" "$dist/$name" ;;
    esac
done

unresolved=$(ldd "$dist/mooring" | awk -v dist="$(cd "$dist" && pwd)" '
    /not found/ { print; next }
    $2 == "=>" && $3 ~ /^\// && $3 !~ "^(/lib/|/lib64/|/usr/lib/x86_64-linux-gnu/)" && index($3, dist "/") != 1 { print }')
if [ -n "$unresolved" ]; then
    echo "dist: libraries not resolved inside $dist:" >&2
    echo "$unresolved" >&2
    exit 1
fi
echo "dist: $dist: $(ls "$dist" | tr '\n' ' ')($(du -sh "$dist" | cut -f1))"
