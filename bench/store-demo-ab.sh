#!/usr/bin/env bash
# Two builds of the demo side by side on the store's three local measures (docs/benchmarks.md, "Durable and
# shared memos"), interleaved run by run so that a shared machine's changing load falls on both alike: per
# round, for each jar (the order alternating between rounds), a cold analysis on an empty store, a no-op re-run
# and a re-run after a one-file edit on copies of that store; each run a new JVM on java.base.
#
#   bench/store-demo-ab.sh A.jar B.jar [ROUNDS]     # default 5 rounds; ~40 s per round on 2 cores
#
# Environment: JAVA (default: java on the PATH; JDK 25 or later), JAVA_OPTS (default: -Xms1g -Xmx2g), KEEP=1
# keeps the work directory. Prints, per jar, the medians and their ratios to that jar's cold analysis, wall
# and CPU (the whole process's, from the demo's summary), with the 1-minute load at the start of each run;
# and whether both jars' cold runs wrote the same store bytes.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 A.jar B.jar [ROUNDS]" >&2; exit 2; }
JARS=("$1" "$2")
RUNS=${3:-5}
JAVA=${JAVA:-java}
read -r -a OPTS <<< "${JAVA_OPTS:--Xms1g -Xmx2g}"
for j in "${JARS[@]}"; do [ -f "$j" ] || { echo "no $j" >&2; exit 2; }; done
HOME_OF_JAVA=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.home/ {print $2}')
[ -f "$HOME_OF_JAVA/lib/src.zip" ] || { echo "no $HOME_OF_JAVA/lib/src.zip: set JAVA to a JDK 25" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/weft-store-ab.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "work directory kept: $WORK" >&2 || rm -rf "$WORK"; }
trap cleanup EXIT
unzip -q "$HOME_OF_JAVA/lib/src.zip" 'java.base/*' -d "$WORK/src"
EDIT=$WORK/src/java.base/java/lang/StringBuilder.java
cp "$EDIT" "$WORK/original.java"
n=$(grep -n '^import ' "$WORK/original.java" | tail -1 | cut -d: -f1)
sed "${n}a\\
import jdk.internal.vm.annotation.ChangesCurrentThread;" "$WORK/original.java" > "$WORK/edited.java"

run() { # JAR OUT STORE
  echo "load $(cut -d' ' -f1 /proc/loadavg)" > "$2"
  "$JAVA" "${OPTS[@]}" -jar "$1" "$WORK/src" --threads 2 --diagnostics 100000 --store "$3" >> "$2" 2>&1 \
    || [ $? -eq 1 ] || { echo "demo failed, see $2" >&2; exit 1; }
}
for i in $(seq "$RUNS"); do
  echo "round $i of $RUNS (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  order=(0 1)
  [ $((i % 2)) = 0 ] && order=(1 0)
  for k in "${order[@]}"; do
    S=$WORK/store-$k-$i
    run "${JARS[$k]}" "$WORK/cold-$k-$i" "$S"
    cp -a "$S" "$S-edit"
    run "${JARS[$k]}" "$WORK/noop-$k-$i" "$S"
    cp "$WORK/edited.java" "$EDIT"
    run "${JARS[$k]}" "$WORK/edit-$k-$i" "$S-edit"
    cp "$WORK/original.java" "$EDIT"
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { grep -m1 -o -- "$2 [0-9,.]* ms" "$1" | grep -o '[0-9,.]* ms' | tr -d ', ms'; }
cpu() { grep -m1 -o 'ms wall, [0-9,]* ms CPU' "$1" | sed -E 's/ms wall, ([0-9,]*) ms CPU/\1/' | tr -d ,; }
pct() { awk "BEGIN { printf \"%.1f%%\", 100 * $1 / $2 }"; }
for k in 0 1; do
  m() { for f in "$WORK/$1-$k-"*; do [ -f "$f" ] && "$2" "$f" "${3:-}"; done | median; }
  cold=$(m cold ms "timing  analysis"); coldCpu=$(m cold cpu)
  ck=$(m cold ms "timing  checkpoint"); write=$(m cold ms "the local store's write")
  noop=$(m noop ms "timing  analysis"); noopCpu=$(m noop cpu); open=$(m noop ms "timing  store open")
  edit=$(m edit ms "timing  analysis"); editCpu=$(m edit cpu)
  loads=$(cat "$WORK"/cold-$k-* "$WORK"/noop-$k-* "$WORK"/edit-$k-* | awk '/^load / { print $2 }' | sort -g \
    | awk '{ a[NR] = $1 } END { print "median " a[int((NR + 1) / 2)] ", " a[1] "-" a[NR] }')
  echo "${JARS[$k]} ($RUNS rounds, load $loads):"
  echo "  cold analysis $cold ms (CPU $coldCpu ms)"
  echo "  checkpoint $ck ms = $(pct "$ck" "$cold") of cold (the local store's write $write ms)"
  echo "  no-op re-run $noop ms = $(pct "$noop" "$cold") (CPU $noopCpu ms = $(pct "$noopCpu" "$coldCpu")); store open $open ms"
  echo "  one-file edit $edit ms = $(pct "$edit" "$cold") (CPU $editCpu ms = $(pct "$editCpu" "$coldCpu"))"
done
same=same
for i in $(seq "$RUNS"); do
  for f in weft-1.traces weft-1.values; do
    cmp -s "$WORK/store-0-$i-edit/$f" "$WORK/store-1-$i-edit/$f" || same=DIFFERENT
  done
done
echo "stores written by the two jars' cold runs: $same bytes"
