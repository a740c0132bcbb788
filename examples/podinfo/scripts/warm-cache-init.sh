#!/bin/sh
# Init step of the warm-cache job: one verbose request to the frontend, so the job's log shows
# name resolution, the connection, the request and response headers and the body.
set -eu
curl -v "${FRONTEND_URL:-http://frontend}/api/info" 2>&1
