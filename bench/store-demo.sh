#!/usr/bin/env bash
# Durable and shared memos on the demo (docs/benchmarks.md, "Durable and shared memos"). Every run is a new
# JVM on the JDK's java.base sources, unpacked to a directory so that a file can be edited between runs; the
# kinds of run take turns, RUNS rounds of each, and the medians are printed as a Markdown table.
#
#   mvn -B -q -pl demo -am package -DskipTests     # builds demo/target/weft-demo.jar
#   bench/store-demo.sh [RUNS] [local|remote|warm]...   # default: 5 rounds of everything
#
# Environment: JAR (default: demo/target/weft-demo.jar; another build's jar, to compare two builds), JAVA
# (default: java on the PATH; must be JDK 25 or later), JAVA_OPTS (default: -Xms1g -Xmx2g), NGINX (default:
# nginx on the PATH or in /usr/sbin), KEEP=1 keeps the work directory. The remote runs start their own nginx
# (WebDAV PUT, the test configuration) on a free loopback port.
set -euo pipefail

RUNS=${1:-5}
shift || true
PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(local remote warm)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$ROOT/demo/target/weft-demo.jar}
JAVA=${JAVA:-java}
read -r -a OPTS <<< "${JAVA_OPTS:--Xms1g -Xmx2g}"
EDIT=java.base/java/lang/StringBuilder.java
EDIT_IMPORT="import jdk.internal.vm.annotation.ChangesCurrentThread;"

[ -f "$JAR" ] || { echo "no $JAR: run mvn -B -q -pl demo -am package -DskipTests first" >&2; exit 2; }
FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
[ "${FEATURE:-0}" -ge 25 ] 2>/dev/null \
  || { echo "$JAVA is Java ${FEATURE:-?}; the demo needs 25 or later: set JAVA=/path/to/jdk-25/bin/java" >&2; exit 2; }
JAVA_HOME_OF_JAVA=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.home/ {print $2}')
SRC_ZIP=$JAVA_HOME_OF_JAVA/lib/src.zip
[ -f "$SRC_ZIP" ] || { echo "no $SRC_ZIP: this JDK has no sources" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/weft-store-bench.XXXXXX")
NGINX_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  [ "${KEEP:-0}" = 1 ] && echo "work directory kept: $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/src" "$WORK/out" "$WORK/stores"
unzip -q "$SRC_ZIP" 'java.base/*' -d "$WORK/src"
TREE=$WORK/src
SOURCE_BYTES=$(find "$TREE" -name '*.java' -printf '%s\n' | awk '{ s += $1 } END { print s }')
ORIGINAL=$WORK/original.java
cp "$TREE/$EDIT" "$ORIGINAL"

load() { cut -d' ' -f1 /proc/loadavg; }
LOADS=()

# demo OUT ARGS...: one analysis in a new JVM, stdout to OUT, stderr to OUT.err; exit code 0 or 1 is fine.
demo() {
  local out=$1
  shift
  LOADS+=("$(load)")
  "$JAVA" "${OPTS[@]}" -jar "$JAR" "$TREE" --threads 2 --diagnostics 100000 "$@" > "$out" 2> "$out.err" \
    || [ $? -eq 1 ] || { echo "demo failed ($*), see $out.err" >&2; tail -5 "$out.err" >&2; exit 1; }
}

# value OUT PATTERN: the first number after PATTERN on a line of OUT (commas removed).
value() {
  grep -m1 -o -- "$2 *[0-9][0-9,.]*" "$1" | sed -E 's/.*[^0-9,.]([0-9][0-9,.]*)$/\1/' | tr -d ,
}
analysis_ms() { value "$1" "timing  analysis"; }
analysis_cpu() { grep -m1 -o 'ms wall, [0-9,]* ms CPU' "$1" | sed -E 's/ms wall, ([0-9,]*) ms CPU/\1/' | tr -d ,; }

# The results of a run: what does not depend on how it got there (timings, counters, the memo store section,
# and the schedule-dependent count of cycle fallbacks).
results() {
  grep -v -e '^timing' -e '^  queries executed' -e '^  Weft detected' -e '^  check: ' -e '^$' "$1" \
    | sed '/^memo store$/,$d'
}
same_results() {
  if results "$1" | cmp -s - <(results "$2"); then echo same; else echo DIFFERENT; fi
}

# the edit: an unused import after the last import (as the demo's --edit makes it)
edit_file() {
  local n
  n=$(grep -n '^import ' "$ORIGINAL" | tail -1 | cut -d: -f1)
  sed "${n}a\\
$EDIT_IMPORT" "$ORIGINAL" > "$TREE/$EDIT"
}
restore_file() { cp "$ORIGINAL" "$TREE/$EDIT"; }

declare -A S # series name -> space-separated samples
add() { S[$1]="${S[$1]:-} $2"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
range() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
med() { echo "${S[$1]:-}" | median; }
rng() { echo "${S[$1]:-}" | range; }
CHECKS=()

start_nginx() {
  local bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
  local port=18080
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  mkdir -p "$WORK/nginx/data/cache" "$WORK/nginx/tmp"
  sed -e "s#@DIR@#$WORK/nginx#g" -e "s#@PORT@#$port#g" \
    "$ROOT/store/src/test/resources/dev/weft/store/nginx.conf.template" > "$WORK/nginx/nginx.conf"
  "$bin" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" &
  NGINX_PID=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
  NGINX_BASE=http://127.0.0.1:$port/cache
}
stop_nginx() { kill -9 "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=; }

has() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "store-demo: $RUNS rounds of: ${PARTS[*]}; sources $SOURCE_BYTES bytes; work directory $WORK" >&2

for i in $(seq "$RUNS"); do
  echo "round $i of $RUNS (load $(load))" >&2
  O=$WORK/out/$i
  mkdir -p "$O"
  # cold without a store: the reference of every ratio
  demo "$O/plain"
  add plain "$(analysis_ms "$O/plain")"; add plainCpu "$(analysis_cpu "$O/plain")"
  if has local || has remote; then
    # cold with an empty store; then a no-op re-run and a re-run after a one-file edit, each in a new JVM
    demo "$O/cold" --store "$WORK/stores/$i"
    add cold "$(analysis_ms "$O/cold")"; add coldCpu "$(analysis_cpu "$O/cold")"
    add checkpoint "$(value "$O/cold" "timing  checkpoint")"
    add checkpointStore "$(value "$O/cold" "the local store's write")"
    add storeBytes "$(du -sb "$WORK/stores/$i" | cut -f1)"
    CHECKS+=("cold with store vs plain: $(same_results "$O/cold" "$O/plain")")
  fi
  if has local; then
    cp -a "$WORK/stores/$i" "$WORK/stores/$i-edit"
    demo "$O/noop" --store "$WORK/stores/$i"
    add noop "$(analysis_ms "$O/noop")"; add noopCpu "$(analysis_cpu "$O/noop")"
    add open "$(value "$O/noop" "timing  store open")"
    add noopParse "$(value "$O/noop" "bodies run .*(parse")"
    CHECKS+=("no-op vs cold: $(same_results "$O/noop" "$O/cold")")
    edit_file
    demo "$O/edit" --store "$WORK/stores/$i-edit"
    demo "$O/edit-plain"
    restore_file
    add edit "$(analysis_ms "$O/edit")"; add editCpu "$(analysis_cpu "$O/edit")"
    add editParse "$(value "$O/edit" "bodies run .*(parse")"
    CHECKS+=("edit vs its own cold run: $(same_results "$O/edit" "$O/edit-plain")")
  fi
  if has remote; then
    [ -n "$NGINX_PID" ] || start_nginx
    R=$NGINX_BASE/round-$i/
    # a first machine publishes (cold, empty local store); a second (new JVM, empty local store) reuses
    demo "$O/publish" --store "$WORK/stores/$i-pub" --remote "$R"
    add publish "$(analysis_ms "$O/publish")"
    add publishClose "$(value "$O/publish" "timing  store close")"
    CHECKS+=("published: $(grep -m1 '^  remote cache' "$O/publish" | grep -o '[0-9,]* traces uploaded, [0-9,]* dropped')")
    demo "$O/second" --store "$WORK/stores/$i-second" --remote "$R"
    add second "$(analysis_ms "$O/second")"; add secondCpu "$(analysis_cpu "$O/second")"
    add secondParse "$(value "$O/second" "bodies run .*(parse")"
    CHECKS+=("second machine vs cold: $(same_results "$O/second" "$O/cold")")
    # the server killed while a second machine's analysis runs: 40% into the analysis time just measured
    load_ms=$(value "$O/second" "timing  load")
    delay=$(awk -v l="$load_ms" -v a="$(analysis_ms "$O/second")" 'BEGIN { printf "%.2f", (l + 0.4 * a + 300) / 1000 }')
    LOADS+=("$(load)")
    "$JAVA" "${OPTS[@]}" -jar "$JAR" "$TREE" --threads 2 --diagnostics 100000 --store "$WORK/stores/$i-killed" \
      --remote "$R" > "$O/killed" 2> "$O/killed.err" &
    pid=$!
    sleep "$delay"
    stop_nginx
    wait "$pid" || [ $? -eq 1 ] || { echo "the run with the server killed failed" >&2; exit 1; }
    add killed "$(analysis_ms "$O/killed")"; add killedCpu "$(analysis_cpu "$O/killed")"
    CHECKS+=("server killed mid-run vs cold: $(same_results "$O/killed" "$O/cold") ($(grep -m1 '^  remote cache' "$O/killed" | sed -E 's/.*: ([0-9,]+ lookups, [0-9,]+ hits, [0-9,]+ misses, [0-9,]+ errors).*/\1/'))")
    start_nginx
  fi
  if has warm; then
    # a warm in-process run with a store attached against one without: the edit re-run in the same JVM,
    # and the last of five analyses in one JVM (the first four warm up the JIT without the store)
    demo "$O/warm-edit-plain" --edit "$EDIT"
    demo "$O/warm-edit-store" --edit "$EDIT" --store "$WORK/stores/$i-warm-edit"
    add warmEditPlain "$(value "$O/warm-edit-plain" "timing  edit re-run")"
    add warmEditStore "$(value "$O/warm-edit-store" "timing  edit re-run")"
    demo "$O/warm-repeat-plain" --repeat 5
    demo "$O/warm-repeat-store" --repeat 5 --store "$WORK/stores/$i-warm-repeat"
    add warmRepeatPlain "$(value "$O/warm-repeat-plain" "timing  round 5 of 5, analysis")"
    add warmRepeatStore "$(value "$O/warm-repeat-store" "timing  round 5 of 5, analysis")"
    add warmRepeatPlainCpu "$(grep 'round 5 of 5, analysis' "$O/warm-repeat-plain" | analysis_cpu /dev/stdin)"
    add warmRepeatStoreCpu "$(grep 'round 5 of 5, analysis' "$O/warm-repeat-store" | analysis_cpu /dev/stdin)"
  fi
  rm -rf "$WORK/stores/$i-"*
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "n/a") printf "%.1f%%", 100 * a / b; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "n/a") printf "%.2fx", a / b; else print "n/a" }'; }
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $("$JAVA" -version 2>&1 | head -1)"
echo "Load average (1, 5, 15 min): $LOAD_START at the start, $LOAD_END at the end; 1-min load at the start of each run: median $(echo "${LOADS[*]}" | median), range $(echo "${LOADS[*]}" | range)"
echo "Sources: $SOURCE_BYTES bytes of java.base; $RUNS rounds; JVM options: ${OPTS[*]}; --threads 2"
echo
row "measure (each run a new JVM)" "median (min-max)" "ratio" "target"
row "---" "---" "---" "---"
row "cold analysis, no store" "$(med plain) ms ($(rng plain)); CPU $(med plainCpu) ms" "1" ""
if has local || has remote; then
  row "cold analysis, empty store" "$(med cold) ms ($(rng cold)); CPU $(med coldCpu) ms" "$(ratio "$(med cold)" "$(med plain)") of no store" ""
  row "checkpoint after the cold analysis" "$(med checkpoint) ms ($(rng checkpoint)); store's write $(med checkpointStore) ms" "$(pct "$(med checkpoint)" "$(med cold)") of cold" "<= 10%"
  row "store size" "$(med storeBytes) bytes" "$(ratio "$(med storeBytes)" "$SOURCE_BYTES") of sources" "<= 2x"
fi
if has local; then
  row "no-op re-run analysis" "$(med noop) ms ($(rng noop)); CPU $(med noopCpu) ms; parse bodies run $(med noopParse)" "$(pct "$(med noop)" "$(med cold)") of cold (CPU $(pct "$(med noopCpu)" "$(med coldCpu)"))" "<= 10%"
  row "store open (no-op re-run)" "$(med open) ms ($(rng open))" "" ""
  row "re-run after a one-file edit" "$(med edit) ms ($(rng edit)); CPU $(med editCpu) ms; parse bodies run $(med editParse)" "$(pct "$(med edit)" "$(med cold)") of cold (CPU $(pct "$(med editCpu)" "$(med coldCpu)"))" "<= 15%"
fi
if has remote; then
  row "publishing machine, cold with --remote" "$(med publish) ms ($(rng publish)); close (uploads) $(med publishClose) ms" "$(ratio "$(med publish)" "$(med cold)") of cold" ""
  row "second machine: empty local store, warm remote" "$(med second) ms ($(rng second)); CPU $(med secondCpu) ms; parse bodies run $(med secondParse)" "$(pct "$(med second)" "$(med cold)") of cold (CPU $(pct "$(med secondCpu)" "$(med coldCpu)"))" "<= 25%"
  row "second machine, server killed mid-run" "$(med killed) ms ($(rng killed)); CPU $(med killedCpu) ms" "$(pct "$(med killed)" "$(med cold)") of cold" "<= 110%"
fi
if has warm; then
  row "warm: edit re-run in the same JVM, no store" "$(med warmEditPlain) ms ($(rng warmEditPlain))" "1" ""
  row "warm: edit re-run in the same JVM, store attached" "$(med warmEditStore) ms ($(rng warmEditStore))" "$(ratio "$(med warmEditStore)" "$(med warmEditPlain)")" "~1 (noise)"
  row "warm: 5th analysis in one JVM, no store" "$(med warmRepeatPlain) ms ($(rng warmRepeatPlain)); CPU $(med warmRepeatPlainCpu) ms" "1" ""
  row "warm: 5th analysis in one JVM, empty store attached" "$(med warmRepeatStore) ms ($(rng warmRepeatStore)); CPU $(med warmRepeatStoreCpu) ms" "$(ratio "$(med warmRepeatStore)" "$(med warmRepeatPlain)") (CPU $(ratio "$(med warmRepeatStoreCpu)" "$(med warmRepeatPlainCpu)"))" "~1 (noise)"
fi
echo
echo "Checks (results: diagnostics and report, without timings and counters):"
printf '  %s\n' "${CHECKS[@]}" | sort | uniq -c
