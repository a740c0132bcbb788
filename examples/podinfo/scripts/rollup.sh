#!/bin/sh
# Simulated rollup: once a read replica is ready, works ROLLUP_STEPS steps of ten seconds.
set -eu
steps="${ROLLUP_STEPS:-6}"
echo "rollup: ${steps} steps of 10s"
podcli check http database-replica:3306/readyz
n=0
while [ "$n" -lt "$steps" ]; do
  n=$((n + 1))
  echo "rollup: step ${n}/${steps}"
  sleep 10
done
echo "rollup: done"
