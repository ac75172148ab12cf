#!/bin/sh
# Run once by the postgres image when it creates a new database volume (docker-compose.yml mounts
# it into /docker-entrypoint-initdb.d): let the optional db-replica service stream from this
# server, with the same user and password as the app. Replication needs wal_level=replica and
# max_wal_senders > 0, PostgreSQL 16's defaults. For a volume created before this script, append
# the same line by hand and reload (docs/deployment.md, "Reporting replica").
set -eu
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
