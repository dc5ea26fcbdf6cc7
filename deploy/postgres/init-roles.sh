#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): the role
# the replica streams with, and PgBouncer's lookup of the serving roles' passwords (auth_query),
# so that its userlist names no serving role. The serving roles themselves (one per subgraph, one
# for gateways) are created and granted by the migration job (npm run cli -- migrate --roles), run
# as the owner (POSTGRES_USER), which serving processes never use.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
CREATE ROLE pgbouncer_auth WITH LOGIN PASSWORD '${PGBOUNCER_AUTH_PASSWORD}';
CREATE SCHEMA pgbouncer AUTHORIZATION "$POSTGRES_USER";
CREATE FUNCTION pgbouncer.get_auth(p_usename text) RETURNS TABLE (usename name, passwd text)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
  AS \$\$ SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = p_usename \$\$;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;
GRANT USAGE ON SCHEMA pgbouncer TO pgbouncer_auth;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO pgbouncer_auth;
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
