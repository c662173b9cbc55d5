#!/bin/sh
# Run once by the postgres image when its data volume is initialised: a role the replica service
# streams with, and a pg_hba.conf line that lets it (docs/scaling.md "Reads on a replica").
# Without POSTGRES_REPLICATION_PASSWORD nothing is done. A volume initialised before this script
# existed needs the same two steps by hand (docs/scaling.md).
set -eu
if [ -z "${POSTGRES_REPLICATION_PASSWORD:-}" ]; then
    exit 0
fi
psql -v ON_ERROR_STOP=1 -v password="$POSTGRES_REPLICATION_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
