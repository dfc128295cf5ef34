# Starts a throw-away PostgreSQL cluster for the tests (sourced by test.sh).
# Exports POSAGENT_TEST_PG, an Npgsql connection string; tests that need PostgreSQL read it.
PG_PORT=${POSAGENT_TEST_PG_PORT:-55432}
# One folder per port, so two checkouts can run their suites side by side (each with its own port).
PG_DIR=/tmp/posagent-test-pg-$PG_PORT

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_test_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$bin" ]; then
    echo "PostgreSQL binaries not found under /usr/lib/postgresql" >&2
    return 1
  fi
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
  as_postgres "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
  # fsync stays on: the central service's durability is part of what the tests check.
  as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  export POSAGENT_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
  echo "PostgreSQL for tests on 127.0.0.1:$PG_PORT" >&2
}

stop_test_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] && [ -f "$PG_DIR/data/postmaster.pid" ] && \
    as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
}
