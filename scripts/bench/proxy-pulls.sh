#!/usr/bin/env bash
# proxy-pulls.sh [IMAGES] [LAYERS] [BYTES_PER_LAYER]
#
# Pull time directly from an upstream (Debian's docker-registry) against through a Wharf
# pull-through cache of it, cold (the cache holds nothing of the image) and warm (it holds it
# all), with `docker pull` (download and extraction by the daemon) and with `wharf pull` (download
# into an OCI layout: the registry's part only). IMAGES distinct images (3) of LAYERS layers (5) of
# BYTES_PER_LAYER random bytes (40,000,000), made by ../shared/bench/mkimage.py; each row is the
# median over the images. Needs target/wharf.jar (mvn -B -DskipTests package), docker,
# docker-registry, python3; uses ports $UP_PORT (5111) and $WHARF_PORT (5112) on 127.0.0.1.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
IMAGES=${1:-3} LAYERS=${2:-5} BYTES=${3:-40000000}
: "${UP_PORT:=5111}" "${WHARF_PORT:=5112}" "${MKIMAGE:=$ROOT/../shared/bench/mkimage.py}"
WORK=$(mktemp -d /tmp/proxy-pulls-XXXXXX)
UP=127.0.0.1:$UP_PORT
WH=127.0.0.1:$WHARF_PORT
die() { printf 'proxy-pulls: FAIL: %s\n' "$*" >&2; exit 1; }
for p in $UP_PORT $WHARF_PORT; do
  [[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]] || die "something already listens on port $p"
done
[[ -f $MKIMAGE ]] || die "mkimage.py not found (set MKIMAGE)"
[[ -f $ROOT/target/wharf.jar ]] || die "build target/wharf.jar first"

PIDS=()
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for i in $(seq "$IMAGES"); do
    docker rmi -f "bench/proxy$i:1" "$UP/bench/proxy$i:1" "$WH/up/bench/proxy$i:1" >/dev/null 2>&1
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/registry.yml" <<EOF
version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/upstream}}
http: {addr: $UP}
EOF
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 & PIDS+=($!)
java -jar "$ROOT/target/wharf.jar" serve --server.port="$WHARF_PORT" --wharf.data-dir="$WORK/wharf" \
  --wharf.auth.enabled=false --wharf.proxy.caches.up.url="http://$UP" --logging.level.root=warn \
  > "$WORK/wharf.log" 2>&1 & PIDS+=($!)
for url in "http://$UP/v2/" "http://$WH/v2/"; do
  for _ in $(seq 120); do curl -sf -o /dev/null "$url" && break; sleep 0.5; done
  curl -sf -o /dev/null "$url" || die "$url does not answer"
done

for i in $(seq "$IMAGES"); do
  python3 "$MKIMAGE" "bench/proxy$i:1" "$LAYERS" "$BYTES" | docker load -q >/dev/null
  docker tag "bench/proxy$i:1" "$UP/bench/proxy$i:1"
  docker push -q "$UP/bench/proxy$i:1" >/dev/null
  docker rmi -f "bench/proxy$i:1" "$UP/bench/proxy$i:1" >/dev/null
done

seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || die "failed: $*"
  t1=$(date +%s.%N)
  awk "BEGIN {print $t1 - $t0}"
}
median() { grep -v '^$' | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'; }
WHARF="$ROOT/bin/wharf"

declare -A T
for i in $(seq "$IMAGES"); do
  # the daemon forgets the image between pulls, or it would fetch nothing but the manifest
  T[docker_direct]+="$(seconds docker pull -q "$UP/bench/proxy$i:1")"$'\n'
  docker rmi -f "$UP/bench/proxy$i:1" >/dev/null
  T[docker_cold]+="$(seconds docker pull -q "$WH/up/bench/proxy$i:1")"$'\n'
  docker rmi -f "$WH/up/bench/proxy$i:1" >/dev/null
  T[docker_warm]+="$(seconds docker pull -q "$WH/up/bench/proxy$i:1")"$'\n'
  docker rmi -f "$WH/up/bench/proxy$i:1" >/dev/null
  T[wharf_direct]+="$(seconds "$WHARF" pull "$UP/bench/proxy$i:1" "$WORK/d$i")"$'\n'
  T[wharf_warm]+="$(seconds "$WHARF" pull "$WH/up/bench/proxy$i:1" "$WORK/w$i")"$'\n'
  rm -rf "$WORK/d$i" "$WORK/w$i"
done
# cold through the cache with the wharf client: images the cache has not seen yet
for i in $(seq "$IMAGES"); do
  j=$((i + IMAGES))
  python3 "$MKIMAGE" "bench/proxy$j:1" "$LAYERS" "$BYTES" | docker load -q >/dev/null
  docker tag "bench/proxy$j:1" "$UP/bench/proxy$j:1" && docker push -q "$UP/bench/proxy$j:1" >/dev/null
  docker rmi -f "bench/proxy$j:1" "$UP/bench/proxy$j:1" >/dev/null
  T[wharf_cold]+="$(seconds "$WHARF" pull "$WH/up/bench/proxy$j:1" "$WORK/c$j")"$'\n'
  rm -rf "$WORK/c$j"
done

printf '%s image(s) of %s x %s bytes; median seconds\n' "$IMAGES" "$LAYERS" "$BYTES"
printf '| client | directly from the upstream | through the cache, cold | through the cache, warm |\n|---|---|---|---|\n'
printf '| docker pull | %s | %s | %s |\n' "$(median <<<"${T[docker_direct]}")" "$(median <<<"${T[docker_cold]}")" "$(median <<<"${T[docker_warm]}")"
printf '| wharf pull | %s | %s | %s |\n' "$(median <<<"${T[wharf_direct]}")" "$(median <<<"${T[wharf_cold]}")" "$(median <<<"${T[wharf_warm]}")"
