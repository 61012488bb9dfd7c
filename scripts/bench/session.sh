#!/usr/bin/env bash
# session.sh OUT_DIR [--quick]
#
# One side-by-side session against the reference registry, in the order docs/PERFORMANCE.md
# reports: dist-1, wharf-cold (a server that has served nothing yet), wharf-warm (the same JVM
# again), wharf-base (cold again, started the way it was before issue 12: $BASE_CMD), dist-2. Each result file gets a `load_1min` line (from /proc/loadavg when the run
# starts) and Wharf's files a `start_to_first_200` line (seconds from exec to the first 200 on
# /v2/). Wharf runs with authentication off, on an empty data directory, started by
#   $WHARF_CMD serve --server.port=$PORT --wharf.data-dir=... --wharf.auth.enabled=false
# (default WHARF_CMD: bin/wharf of this checkout, which picks its JDK and AOT cache; the cache
# must exist beforehand, e.g. from `bin/wharf train`). Needs ../shared/bench.
#   BENCH=/work/shared/bench  PORT=5000  WHARF_CMD=bin/wharf  BASE_CMD="java -jar target/wharf.jar"
#   ORDER="dist cold warm base dist"
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: session.sh OUT_DIR [--quick]}
shift
: "${BENCH:=$ROOT/../shared/bench}" "${PORT:=5000}" "${WHARF_CMD:=$ROOT/bin/wharf}" "${ORDER:=dist cold warm base dist}"
: "${BASE_CMD:=java -jar $ROOT/target/wharf.jar}"
mkdir -p "$OUT"
DATA=$(mktemp -d /tmp/wharf-session.XXXXXX)
PID=""
cleanup() {
  if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

load() { cut -d' ' -f1 /proc/loadavg; }

start_wharf() {
  local t0 t1
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086
  $1 serve --server.port="$PORT" --wharf.data-dir="$DATA" --wharf.auth.enabled=false \
      >"$OUT/wharf-$n_wharf.log" 2>&1 &
  PID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/v2/"; do
    kill -0 "$PID" 2>/dev/null || { echo "session: wharf exited: $(tail -5 "$OUT/wharf-$n_wharf.log")" >&2; exit 1; }
    sleep 0.05
  done
  t1=$EPOCHREALTIME
  STARTUP=$(echo "$t1 - $t0" | bc)
  echo "session: wharf pid $PID up in ${STARTUP}s (load $(load))" >&2
}

n_dist=0; n_wharf=0; files=()
for step in $ORDER; do
  case $step in
    dist)
      n_dist=$((n_dist + 1)); f=$OUT/dist-$n_dist.txt
      l=$(load)
      "$BENCH/run-distribution.sh" "$@" >"$f.tmp"
      { cat "$f.tmp"; echo "load_1min $l load"; } >"$f"; rm -f "$f.tmp"; files+=("$f")
      ;;
    cold|warm|base)
      n_wharf=$((n_wharf + 1)); f=$OUT/wharf-$n_wharf-$step.txt
      if [[ $step != warm ]]; then
        if [[ -n $PID ]]; then kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; rm -rf "$DATA"; mkdir -p "$DATA"; fi
        if [[ $step == cold ]]; then start_wharf "$WHARF_CMD"; else start_wharf "$BASE_CMD"; fi
      fi
      l=$(load)
      REGISTRY_PID=$PID "$BENCH/registry-bench.sh" "http://127.0.0.1:$PORT" "$@" >"$f.tmp"
      { cat "$f.tmp"; echo "load_1min $l load"; [[ $step != warm ]] && echo "start_to_first_200 $STARTUP s"; } >"$f"
      rm -f "$f.tmp"; files+=("$f")
      ;;
    *) echo "session: unknown step $step" >&2; exit 2 ;;
  esac
done
"$BENCH/compare.sh" "${files[@]}" | tee "$OUT/compare.txt"
