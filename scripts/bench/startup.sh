#!/usr/bin/env bash
# startup.sh CMD... : starts `CMD serve` on 127.0.0.1:$PORT (default 5077) with an empty data
# directory and authentication off, prints the seconds from exec to the first 200 on /v2/, the
# resident set at that moment and the load average, and stops it. E.g.
#   scripts/bench/startup.sh java -jar target/wharf.jar
#   scripts/bench/startup.sh bin/wharf                      # from its cache (make it: bin/wharf train)
#   WHARF_AOT=off scripts/bench/startup.sh bin/wharf
set -Eeuo pipefail
(($# >= 1)) || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
: "${PORT:=5077}"
data=$(mktemp -d /tmp/wharf-startup.XXXXXX)
log=$data.log
pid=""
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT
t0=$EPOCHREALTIME
"$@" serve --server.port="$PORT" --wharf.data-dir="$data" --wharf.auth.enabled=false >"$log" 2>&1 &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/v2/"; do
  kill -0 "$pid" 2>/dev/null || { echo "startup: the server exited (log: $log)" >&2; exit 1; }
  sleep 0.05
done
t1=$EPOCHREALTIME
rss=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")
echo "start_to_first_200 $(echo "$t1 - $t0" | bc) s"
echo "rss_at_first_200 $rss MiB"
echo "load_1min $(cut -d' ' -f1 /proc/loadavg) load"
rm -f "$log"
