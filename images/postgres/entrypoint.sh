#!/bin/sh
# First start on an empty data folder: initdb with the given superuser and
# password file, then create the database with a server that listens on the
# Unix socket only (not "ready" for pg_isready -h 127.0.0.1). Then the server.
set -eu
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  initdb --pgdata="$PGDATA" --username="$user" --pwfile="$POSTGRES_PASSWORD_FILE" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
  printf "host all all all scram-sha-256\n" >>"$PGDATA/pg_hba.conf"
  pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait start >/dev/null
  createdb --host=/var/run/postgresql --username="$user" "${POSTGRES_DB:-$user}"
  pg_ctl --pgdata="$PGDATA" --mode=fast --wait stop >/dev/null
fi
exec "$@"
