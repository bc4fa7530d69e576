# Sourced by .ci/run: a throwaway PostgreSQL server for the tests of the class database (rnncore/classroom).
# Installs Debian's postgresql when root and missing, starts a cluster in a temporary folder (as the `postgres`
# user when root: PostgreSQL refuses to run as root), listening on a Unix socket only, and exports
# TEST_POSTGRES_URL for tests/test_classroom_db.py and friends; the cluster is stopped and removed on exit.
# TEST_POSTGRES_REQUIRED=1 makes those tests fail, not skip, when the server cannot be reached.

start_test_postgres() {
  export TEST_POSTGRES_REQUIRED=1
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ] && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || { echo "postgresql could not be installed: the PostgreSQL tests will fail" >&2; return 0; }
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  if [ -z "$bin" ]; then
    echo "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): the PostgreSQL tests will fail" >&2
    return 0
  fi
  PG_TMP=$(mktemp -d /tmp/rnncore-pg.XXXXXX)
  local as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_TMP"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U rnncore -A trust --no-sync >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w -t 60 \
    -o "-c listen_addresses='' -k $PG_TMP -p 5433 -c fsync=off" start >/dev/null
  "${as[@]}" "$bin/createdb" -h "$PG_TMP" -p 5433 -U rnncore rnncore_test
  export TEST_POSTGRES_URL="postgresql+psycopg://rnncore@/rnncore_test?host=$PG_TMP&port=5433"
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -m immediate stop)
  trap stop_test_postgres EXIT
}

stop_test_postgres() {
  if [ -n "${PG_TMP:-}" ]; then
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
