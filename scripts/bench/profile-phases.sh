#!/usr/bin/env bash
# profile-phases.sh OUT_DIR [--cold]
#
# A CPU profile of the server in each phase of ../shared/bench/registry-bench.sh, taken with
# async-profiler (CPU cycles, Java and native frames, the kernel's included): one server started
# with bin/wharf (its ahead-of-time cache must exist, e.g. from `bin/wharf train`), authentication
# off; one full --quick harness run first to warm it up (skipped with --cold), then the harness
# once per phase with only that phase, the profiler recording for the whole of it. Writes
# OUT_DIR/<phase>.collapsed (collapsed stacks, for flame graphs) and OUT_DIR/summary.txt (where
# the CPU went, by scripts/bench/profile-summary.py).
#
# async-profiler comes from Maven Central (tools.profiler:async-profiler, linux-x64) through the
# local Maven repository; it is loaded into the running JVM with jcmd (JVMTI.agent_load).
#   BENCH=../shared/bench  PORT=5000  PHASES="mono chunked get parallel manifest tags docker"
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: profile-phases.sh OUT_DIR [--cold]}
COLD=${2:-}
: "${BENCH:=$ROOT/../shared/bench}" "${PORT:=5000}" "${PHASES:=mono chunked get parallel manifest tags docker}"
AP_VERSION=4.1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

lib=$OUT/async-profiler/linux-x64/libasyncProfiler.so
if [[ ! -f $lib ]]; then
  jar=${HOME}/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION-linux-x64.jar
  [[ -f $jar ]] || mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$AP_VERSION:jar:linux-x64" >/dev/null
  mkdir -p "$OUT/async-profiler" && (cd "$OUT/async-profiler" && unzip -q -o "$jar")
fi

DATA=$(mktemp -d /tmp/wharf-profile.XXXXXX)
PID=""
cleanup() {
  if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT
"$ROOT/bin/wharf" serve --server.port="$PORT" --wharf.data-dir="$DATA" --wharf.auth.enabled=false >"$OUT/wharf.log" 2>&1 &
PID=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/v2/"; do
  kill -0 "$PID" 2>/dev/null || { echo "profile: wharf exited: $(tail -5 "$OUT/wharf.log")" >&2; exit 1; }
  sleep 0.1
done
# the JVM itself (bin/wharf execs it, so it is $PID), and a jcmd of the same Java
java_bin=$(readlink -f "/proc/$PID/exe")
jcmd=$(dirname "$java_bin")/jcmd
agent() { "$jcmd" "$PID" JVMTI.agent_load "$lib" "\"$1\"" >/dev/null; }

if [[ $COLD != --cold ]]; then
  REGISTRY_PID=$PID "$BENCH/registry-bench.sh" "http://127.0.0.1:$PORT" --quick >"$OUT/warmup.txt" 2>/dev/null
fi
all=(mono chunked get parallel manifest tags docker)
for phase in $PHASES; do
  skip=$(printf '%s\n' "${all[@]}" | grep -vx "$phase" | paste -sd, -)
  agent "start,event=cpu,interval=1ms"
  REGISTRY_PID=$PID BENCH_SKIP=$skip "$BENCH/registry-bench.sh" "http://127.0.0.1:$PORT" --quick >"$OUT/$phase.txt" 2>/dev/null
  agent "stop,file=$OUT/$phase.collapsed,collapsed"
  echo "profile: $phase done" >&2
done
python3 "$HERE/profile-summary.py" "$OUT"/*.collapsed | tee "$OUT/summary.txt"
