#!/usr/bin/env bash
# Median download throughput of one URL over N GETs (after your own warm-up), with curl.
# usage: getbench.sh URL N -> median MB/s
URL=$1; N=${2:-10}
for i in $(seq $N); do curl -s -o /dev/null -w '%{speed_download}\n' "$URL"; done | sort -n | awk '{a[NR]=$1} END {printf "median %.0f MB/s (min %.0f max %.0f)\n", a[int((NR+1)/2)]/1e6, a[1]/1e6, a[NR]/1e6}'
