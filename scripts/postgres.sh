#!/usr/bin/env bash
# Private, throwaway PostgreSQL 15 cluster for the test suite.
#
#   scripts/postgres.sh         start it (or reuse it) and print its SQLAlchemy URL on stdout
#   scripts/postgres.sh stop    stop it
#   scripts/postgres.sh status  exit 0 when it is running, 1 when not
#
# Everything except the URL goes to stderr, so `url=$(scripts/postgres.sh)` works.
# DRAWBRIDGE_PG_PORT (default 54329) and DRAWBRIDGE_PGDATA (default <repo>/.pgdata) override.
# Each checkout has its own cluster. When the port is taken by another server (another
# checkout's cluster), the next free one is used and kept in the cluster's postgresql.conf, so
# later calls find it again.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
PORT=${DRAWBRIDGE_PG_PORT:-54329}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGDATA=${DRAWBRIDGE_PGDATA:-$REPO/.pgdata}

log() { echo "postgres.sh: $*" >&2; }

if [[ ! -x $PGBIN/postgres ]]; then
    [[ ${1:-} != stop ]] || { log "not installed, so not running"; exit 0; }
    [[ ${1:-} != status ]] || exit 1
    [[ $EUID -eq 0 ]] || { log "$PGBIN/postgres missing; install postgresql-15 (as root)"; exit 1; }
    log "installing postgresql-15"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update && apt-get install -y postgresql-15; } >&2
fi

# postgres refuses to run as root, so as root every server-side command runs as the
# package's `postgres` user; otherwise it runs as ourselves.
if [[ $EUID -eq 0 ]]; then
    as_pg() { (cd / && runuser -u postgres -- "$@"); }
    # The postgres user must be able to reach the data dir; a checkout under /root isn't. Then
    # the cluster lives under /tmp, in a folder named after this checkout's path, so two
    # checkouts never share (or stop) each other's cluster.
    if [[ -z ${DRAWBRIDGE_PGDATA:-} ]] && ! as_pg test -x "$REPO"; then
        PGDATA=/tmp/drawbridge-pgdata-$(printf '%s' "$REPO" | sha256sum | cut -c1-16)
    fi
else
    as_pg() { "$@"; }
fi
LOGFILE=$PGDATA/server.log

running() { as_pg "$PGBIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

if [[ ${1:-start} == status ]]; then
    running || exit 1
    exit 0
elif [[ ${1:-start} == stop ]]; then
    if running; then
        as_pg "$PGBIN/pg_ctl" stop -D "$PGDATA" -m fast -w >&2
    else
        log "not running ($PGDATA)"
    fi
    exit 0
elif [[ ${1:-start} != start ]]; then
    log "usage: $0 [start|stop|status]"
    exit 2
fi

if [[ ! -f $PGDATA/PG_VERSION ]]; then
    log "initialising $PGDATA"
    mkdir -p "$PGDATA"
    [[ $EUID -ne 0 ]] || chown postgres: "$PGDATA"
    # C collation: deterministic ordering, and no dependency on installed locales.
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust --no-locale -E UTF8 --no-sync >&2
    # Trust, but over TCP from 127.0.0.1 only; no unix socket (the Debian default socket
    # dir isn't writable for non-root users, and long checkout paths overflow sun_path).
    echo "host all all 127.0.0.1/32 trust" >"$PGDATA/pg_hba.conf"
    cat >>"$PGDATA/postgresql.conf" <<CONF
# drawbridge test cluster: throwaway data, so durability is traded for speed
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = ''
fsync = off
full_page_writes = off
synchronous_commit = off
CONF
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The port this cluster was set up with (the last `port =` line of its configuration wins).
PORT=$(sed -n 's/^port = \([0-9]*\).*/\1/p' "$PGDATA/postgresql.conf" | tail -n 1)

if running; then
    log "reusing the cluster running in $PGDATA"
else
    if listening "$PORT"; then
        taken=$PORT
        while listening "$PORT"; do PORT=$((PORT + 1)); done
        log "port $taken is taken by another server; using $PORT"
        echo "port = $PORT" >>"$PGDATA/postgresql.conf"
    fi
    log "starting on 127.0.0.1:$PORT (log: $LOGFILE)"
    if ! as_pg "$PGBIN/pg_ctl" start -D "$PGDATA" -l "$LOGFILE" -w -t 60 >&2; then
        tail -n 20 "$LOGFILE" >&2 || true
        exit 1
    fi
fi

# Idempotent: create the role and database only if missing.
psql() { "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -X -q -v ON_ERROR_STOP=1 -tA "$@"; }
role=$(psql -d postgres -c "select 1 from pg_roles where rolname = 'drawbridge'")
[[ -n $role ]] || psql -d postgres -c "create role drawbridge login createdb" >&2
db=$(psql -d postgres -c "select 1 from pg_database where datname = 'drawbridge_test'")
[[ -n $db ]] || psql -d postgres -c "create database drawbridge_test owner drawbridge" >&2

echo "postgresql+psycopg://drawbridge@127.0.0.1:$PORT/drawbridge_test"
