#!/bin/sh
# Simulated backup: once a read replica is ready, works for a minute, then exits with
# BACKUP_EXIT (0 unless told; the deployment sets 1 to exercise a failing CronJob).
set -eu
podcli check http database-replica:3306/readyz
echo "backup: started"
sleep 60
echo "backup: finished, exit ${BACKUP_EXIT:-0}"
exit "${BACKUP_EXIT:-0}"
