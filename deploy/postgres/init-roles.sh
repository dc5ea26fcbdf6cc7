#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d):
# the role the replica streams with, and the serving role of the subgraphs and gateways. The
# owner (POSTGRES_USER) owns the schemas and is used only by the one-shot migration job
# (DATABASE_OWNER_URL), which grants the serving role what each subgraph needs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
CREATE ROLE lienthong_app WITH LOGIN PASSWORD '${APP_PASSWORD}';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
