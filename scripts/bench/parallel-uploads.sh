#!/usr/bin/env bash
# parallel-uploads.sh PORT PID -> wall seconds and cpu ticks for 16 parallel 32MiB POST+PUT uploads
PORT=$1; PID=$2; N=16
for i in $(seq $N); do head -c 33554432 /dev/urandom > /tmp/par.$i; done
sync
read u0 s0 < <(awk '{print $14, $15}' /proc/$PID/stat)
t0=$(date +%s.%N)
for i in $(seq $N); do (
  D=sha256:$(sha256sum /tmp/par.$i | cut -d' ' -f1)
  LOC=$(curl -s -D - -o /dev/null -X POST http://127.0.0.1:$PORT/v2/par/r$RANDOM/blobs/uploads/ | grep -i ^location | cut -d' ' -f2 | tr -d '\r')
  case $LOC in http*) ;; *) LOC=http://127.0.0.1:$PORT$LOC;; esac
  case $LOC in *\?*) SEP='&';; *) SEP='?';; esac
  curl -s -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary @/tmp/par.$i "${LOC}${SEP}digest=$D"
) & done; wait
t1=$(date +%s.%N)
read u1 s1 < <(awk '{print $14, $15}' /proc/$PID/stat)
echo "wall $(echo "$t1 - $t0" | bc) s, MB/s $(echo "$N*33.554432/($t1 - $t0)" | bc), cpu user $((u1-u0)) sys $((s1-s0))"
