#!/usr/bin/env bash
# Web UI page times with 100,000 repositories and a 100,000-tag repository (docs/PERFORMANCE.md).
# Needs: a built target/wharf.jar, the system PostgreSQL (as .ci/run sets it up), docker with the
# test base image (wharf-test/busybox:1, which the end-to-end tests import), curl.
# Usage: scripts/ui-bench/run.sh [requests per page, default 200]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200}
PORT=5091
DB=wharf_uibench
export PGPASSWORD=${PGPASSWORD:-wharf-ci}
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
DATA=$(mktemp -d /tmp/wharf-uibench-XXXX)
java -jar target/wharf.jar serve --server.port=$PORT --wharf.data-dir="$DATA" \
  --spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/$DB --spring.datasource.username=postgres \
  --spring.datasource.password="$PGPASSWORD" --wharf.auth.admin-password=bench-password-1 \
  --logging.level.root=warn > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER; rm -rf "$DATA"' EXIT
for _ in $(seq 120); do curl -sf -o /dev/null http://127.0.0.1:$PORT/ && break; sleep 1; done

# the seed image, pushed for real
CTX=$(mktemp -d) && export DOCKER_CONFIG=$DATA/docker
printf 'FROM wharf-test/busybox:1\nENV MODE=bench\nCOPY a /a\nCOPY b /b\nCMD ["/bin/cat", "/a"]\n' > "$CTX/Dockerfile"
head -c 100000 /dev/urandom > "$CTX/a"; head -c 50000 /dev/urandom > "$CTX/b"
DOCKER_BUILDKIT=0 docker build -q -t 127.0.0.1:$PORT/bench/seed:1 "$CTX" >/dev/null 2>&1
echo bench-password-1 | docker login -u admin --password-stdin 127.0.0.1:$PORT >/dev/null 2>&1
docker push -q 127.0.0.1:$PORT/bench/seed:1 >/dev/null
docker rmi 127.0.0.1:$PORT/bench/seed:1 >/dev/null; rm -rf "$CTX"

time psql -q -h 127.0.0.1 -U postgres -d $DB -f scripts/ui-bench/generate.sql

# a signed-in admin session
JAR=$DATA/cookies
curl -s -c "$JAR" -b "$JAR" http://127.0.0.1:$PORT/login > "$DATA/login.html"
CSRF=$(grep -o 'name="_csrf" value="[^"]*"' "$DATA/login.html" | sed 's/.*value="//; s/"$//')
curl -s -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "_csrf=$CSRF" -d username=admin -d password=bench-password-1 \
  http://127.0.0.1:$PORT/login

PAGES="/ /?sort=pushed /?q=repo-4242 /?q=7 /?after=ns500/repo-50000 /?namespace=ns042 /r/ns000/repo-1000
  /r/ns000/repo-1000/-/latest /r/bench/seed /r/bench/seed?after=v050000 /r/bench/seed/-/v099999"
# warm-up: every page, signed in and not, until the JIT has compiled the hot paths
for _ in $(seq 30); do
  for p in $PAGES; do curl -s -o /dev/null "http://127.0.0.1:$PORT$p"; curl -s -o /dev/null -b "$JAR" "http://127.0.0.1:$PORT$p"; done
done

TICK_MS=$((1000 / $(getconf CLK_TCK)))
cpu() { awk '{print $14 + $15}' /proc/$SERVER/stat; }   # the server JVM's user + system CPU, in ticks

measure() { # label, cookie jar (empty for none), path
  local label=$1 jar=$2 path=$3 times before after
  before=$(cpu)
  times=$(for _ in $(seq "$N"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' ${jar:+-b "$jar"} "http://127.0.0.1:$PORT$path"
  done)
  after=$(cpu)
  if echo "$times" | grep -qv '^200 '; then echo "$label: not 200: $(echo "$times" | grep -v '^200 ' | head -1)"; fi
  echo "$times" | awk '{print $2 * 1000}' | sort -n | awk -v label="$label" -v path="$path" \
      -v cpu="$(( (after - before) * TICK_MS ))" -v n="$N" '
    { t[NR] = $1 } END { printf "| %s | `%s` | %.1f | %.1f | %.1f | %.1f |\n", label, path, t[int(NR*0.5)], t[int(NR*0.95)], t[NR], cpu / n }'
}
echo "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| viewer | page | p50 ms | p95 ms | max ms | server CPU ms per request |"
echo "|---|---|---|---|---|---|"
# the floor on this machine: a static file and a page that reads nothing from the database
measure anonymous "" "/ui/favicon.svg"
measure anonymous "" "/login"
for who in anonymous admin; do
  jar=""; [ $who = admin ] && jar=$JAR
  measure "$who" "$jar" "/"
  measure "$who" "$jar" "/?sort=pushed"
  measure "$who" "$jar" "/?q=repo-4242"
  measure "$who" "$jar" "/?q=7"
  measure "$who" "$jar" "/?after=ns500/repo-50000"
  measure "$who" "$jar" "/?namespace=ns042"
  measure "$who" "$jar" "/r/ns000/repo-1000"
  measure "$who" "$jar" "/r/ns000/repo-1000/-/latest"
done
echo "load average after the listings: $(cut -d' ' -f1-3 /proc/loadavg)"
measure admin "$JAR" "/r/bench/seed"
measure admin "$JAR" "/r/bench/seed?after=v050000"
measure admin "$JAR" "/r/bench/seed/-/v099999"
measure admin "$JAR" "/r/bench/seed/-/compare?from=1&to=v000001"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
