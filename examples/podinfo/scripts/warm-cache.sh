#!/bin/sh
# Warms the frontend's Redis cache: stores the frontend's /api/info under this pod's host name
# (POST /cache/<key>, which the frontend writes to Redis), then reads it back six times, ten
# seconds apart, and fails on the first mismatch.
set -eu
frontend="${FRONTEND_URL:-http://frontend}"
key="$(hostname)"
info="$(curl -fsS "${frontend}/api/info" | tr -d '\n')"
echo "warm-cache: ${frontend}/api/info returned ${info}"
curl -fsS -X POST -H 'Content-Type: application/json' -d "${info}" "${frontend}/cache/${key}"
i=1
while [ "$i" -le 6 ]; do
  cached="$(curl -fsS "${frontend}/cache/${key}")"
  if [ "${cached}" != "${info}" ]; then
    echo "warm-cache: read ${i}/6 of ${key} differs: ${cached}" >&2
    exit 1
  fi
  echo "warm-cache: read ${i}/6 of ${key} matches"
  i=$((i + 1))
  if [ "$i" -le 6 ]; then sleep 10; fi
done
