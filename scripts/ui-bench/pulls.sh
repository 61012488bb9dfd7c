#!/usr/bin/env bash
# What counting pulls costs the manifest GET rate (docs/PERFORMANCE.md): the same server build with
# wharf.ui.pull-counts=true and =false, alternated, each 20 s of warm-up then 4 x 10 s of wrk (2 threads, 32 connections)
# on GET /v2/bench/app/manifests/1, auth off as in the registry bench. Needs target/wharf.jar, wrk, curl.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=5092
MANIFEST_TYPE=application/vnd.oci.image.manifest.v1+json
run() { # pull-counts
  local data; data=$(mktemp -d /tmp/wharf-pullbench-XXXX)
  java -jar target/wharf.jar serve --server.port=$PORT --wharf.data-dir="$data" --wharf.auth.enabled=false \
    --wharf.ui.pull-counts="$1" --logging.level.root=warn > "$data/server.log" 2>&1 &
  local pid=$!
  for _ in $(seq 120); do curl -sf -o /dev/null http://127.0.0.1:$PORT/v2/ && break; sleep 1; done
  printf '{}' > "$data/config"; head -c 1000 /dev/urandom > "$data/layer"
  local c l
  c=$(sha256sum "$data/config" | cut -d' ' -f1); l=$(sha256sum "$data/layer" | cut -d' ' -f1)
  curl -sf -o /dev/null -X POST --data-binary @"$data/config" "http://127.0.0.1:$PORT/v2/bench/app/blobs/uploads/?digest=sha256:$c"
  curl -sf -o /dev/null -X POST --data-binary @"$data/layer" "http://127.0.0.1:$PORT/v2/bench/app/blobs/uploads/?digest=sha256:$l"
  printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":1000}]}' \
    "$MANIFEST_TYPE" "$c" "$l" > "$data/manifest"
  curl -sf -o /dev/null -X PUT -H "Content-Type: $MANIFEST_TYPE" --data-binary @"$data/manifest" \
    "http://127.0.0.1:$PORT/v2/bench/app/manifests/1"
  wrk -t2 -c32 -d20s -H "Accept: $MANIFEST_TYPE" "http://127.0.0.1:$PORT/v2/bench/app/manifests/1" > /dev/null  # warm-up
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  for i in 1 2 3 4; do
    printf 'pull-counts=%s run %s: ' "$1" "$i"
    wrk -t2 -c32 -d10s -H "Accept: $MANIFEST_TYPE" "http://127.0.0.1:$PORT/v2/bench/app/manifests/1" | awk '/Requests\/sec/ {print $2 " req/s"}'
  done
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$data"
}
for round in 1 2; do run true; run false; done
