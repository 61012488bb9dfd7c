#!/usr/bin/env bash
# Catalog and tag-list throughput at scale (docs/PERFORMANCE.md, "Catalog and tag lists at scale").
# Creates a database on the system PostgreSQL, starts target/wharf.jar on it (auth off, as in the
# registry benchmark), pushes one small image bench/seed:1 with curl, fills the database with
# generate.sql, warms up, and measures with wrk (2 threads, 32 connections):
#   catalog   GET /v2/_catalog?n=100&last=<a name in the middle>
#   tags      GET /v2/bench/seed/tags/list?n=100&last=<a tag in the middle of bench/seed's tags>
# then stops the server and drops the database (KEEP=1 keeps both).
# Knobs: JAR (target/wharf.jar), PORT (5095), DB (wharf_scalebench), DURATION (10s), KEEP (0).
# Needs: a built target/wharf.jar, the system PostgreSQL (as .ci/run sets it up; superuser
# postgres), curl, wrk, sha256sum; about 5 GB of free disk for the default sizes.
# Usage: scripts/scale-bench/run.sh [repositories [tags per repository [tags of bench/seed]]]
#   default 1000000 9 1000000: 1M repositories and 10M tags
set -euo pipefail
cd "$(dirname "$0")/../.."
REPOS=${1:-1000000}; PER_REPO=${2:-9}; BIG=${3:-1000000}
PORT=${PORT:-5095}; DB=${DB:-wharf_scalebench}; DURATION=${DURATION:-10s}; KEEP=${KEEP:-0}; JAR=${JAR:-target/wharf.jar}
export PGPASSWORD=${PGPASSWORD:-wharf-ci}
PSQL=(psql -X -q -h 127.0.0.1 -U postgres)
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
DATA=$(mktemp -d /tmp/wharf-scalebench-XXXX)
java -jar "$JAR" serve --server.port=$PORT --wharf.data-dir="$DATA" --wharf.auth.enabled=false \
  --spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/$DB --spring.datasource.username=postgres \
  --spring.datasource.password="$PGPASSWORD" --logging.level.root=warn > "$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() {
  kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "kept: database $DB, data $DATA"; else
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $DB"; rm -rf "$DATA"; fi
}
trap cleanup EXIT
R=http://127.0.0.1:$PORT
for _ in $(seq 180); do curl -sf -o /dev/null $R/v2/ && break; sleep 1; done

# the seed image: a config, one layer, an OCI manifest, tag 1
blob() { # file -> digest, pushed to bench/seed
  local d; d=sha256:$(sha256sum "$1" | cut -d' ' -f1)
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$1" "$R/v2/bench/seed/blobs/uploads/?digest=$d"
  echo "$d"
}
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' > "$DATA/config.json"
head -c 4096 /dev/urandom > "$DATA/layer"
CONFIG=$(blob "$DATA/config.json"); LAYER=$(blob "$DATA/layer")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":4096}]}' \
  "$CONFIG" "$(stat -c %s "$DATA/config.json")" "$LAYER" > "$DATA/manifest.json"
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @"$DATA/manifest.json" $R/v2/bench/seed/manifests/1

echo "generating $REPOS repositories, $PER_REPO tags each, $BIG tags of bench/seed (load average $(cut -d' ' -f1-3 /proc/loadavg))"
START=$(date +%s)
"${PSQL[@]}" -d $DB -v repos="$REPOS" -v tags_per_repo="$PER_REPO" -v big_tags="$BIG" -f scripts/scale-bench/generate.sql
echo "generated in $(( $(date +%s) - START )) s; disk: $(df -h --output=avail /var/lib/postgresql 2>/dev/null | tail -1) free"

MIDDLE_REPO=$(printf 'ns500/repo-%07d' 500)
MIDDLE_TAG=$(printf 't%07d' $((BIG / 2)))
CATALOG="$R/v2/_catalog?n=100&last=$MIDDLE_REPO"
TAGS="$R/v2/bench/seed/tags/list?n=100&last=$MIDDLE_TAG"
# the pages answer 100 entries
[ "$(curl -sf "$CATALOG" | grep -o '"ns[^"]*"' | wc -l)" = 100 ] || { echo "catalog page is not 100 names"; exit 1; }
[ "$(curl -sf "$TAGS" | grep -o '"t[0-9]*"' | wc -l)" = 100 ] || { echo "tag page is not 100 tags"; exit 1; }
for _ in 1 2 3; do wrk -t2 -c32 -d5s "$CATALOG" >/dev/null; wrk -t2 -c32 -d5s "$TAGS" >/dev/null; done   # warm-up

TICK_MS=$((1000 / $(getconf CLK_TCK)))
cpu() { awk '{print $14 + $15}' /proc/$SERVER/stat; }
measure() { # label url
  local before after out rps
  before=$(cpu)
  out=$(wrk -t2 -c32 -d"$DURATION" --latency "$2")
  after=$(cpu)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  echo "$out" | grep -qE 'Non-2xx|Socket errors' && echo "$1: $(echo "$out" | grep -E 'Non-2xx|Socket errors')"
  printf '| %s | %.0f | %s | %s | %.2f | %s |\n' "$1" "$rps" \
    "$(echo "$out" | awk '$1 == "50%" {print $2}')" "$(echo "$out" | awk '$1 == "99%" {print $2}')" \
    "$(awk -v t=$(( (after - before) * TICK_MS )) -v r="$rps" -v d="${DURATION%s}" 'BEGIN {print t / (r * d)}')" \
    "$(cut -d' ' -f1 /proc/loadavg)"
}
echo "| page | req/s | p50 | p99 | server CPU ms per request | load average |"
echo "|---|---|---|---|---|---|"
for round in 1 2; do
  measure "catalog n=100, last=$MIDDLE_REPO (round $round)" "$CATALOG"
  measure "tags n=100 of $BIG, last=$MIDDLE_TAG (round $round)" "$TAGS"
done
"${PSQL[@]}" -d $DB -Atc "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT name FROM repositories WHERE name > '$MIDDLE_REPO' ORDER BY name LIMIT 101" | sed 's/^/  /'
