#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for tests.
#
#   pg_cluster.sh start STATE_FILE   initdb in a new temp dir, start on 127.0.0.1 on
#                                    a free port, create the roles genesisd uses,
#                                    write "DIR PORT" to STATE_FILE
#   pg_cluster.sh stop STATE_FILE    stop that cluster and remove its temp dir
#   pg_cluster.sh restart STATE_FILE stop and start it again on the same port
#   pg_cluster.sh stop-server STATE_FILE / start-server STATE_FILE: the two halves
#
# PostgreSQL refuses to run as root: when run as root the cluster belongs to
# `nobody` (runuser). Roles: the bootstrap superuser `postgres`; `genesis_owner`
# (LOGIN, not superuser) owns the test databases and runs migrations;
# `genesis_app` (NOLOGIN, neither owner nor superuser) is what genesisd's
# queries run as (SET ROLE), so row-level security applies to them.
set -euo pipefail

bin=${GENESIS_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?usage: pg_cluster.sh start|stop|restart STATE_FILE}
state=${2:?usage: pg_cluster.sh start|stop|restart STATE_FILE}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

free_port() {
  # Ask the kernel for an ephemeral port on 127.0.0.1 (bound then released).
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
  else
    echo $(( (RANDOM % 20000) + 30000 ))
  fi
}

start_server() {  # DIR PORT
  as_pg "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -c port=$2 -c unix_socket_directories=$1 -c fsync=on -c max_connections=200 -c shared_buffers=128MB" \
    start >/dev/null
}

case "$cmd" in
  start)
    [ -f "$state" ] && "$0" stop "$state"  # a cluster a crashed run left behind
    [ -x "$bin/initdb" ] || { echo "pg_cluster.sh: PostgreSQL 15 is not installed ($bin/initdb)" >&2; exit 3; }
    dir=$(mktemp -d /tmp/genesis-pg-XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown nobody "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    ok=
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      if start_server "$dir" "$port" 2>>"$dir/start.log"; then ok=1; break; fi
    done
    [ -n "$ok" ] || { cat "$dir/server.log" >&2; rm -rf "$dir"; exit 1; }
    "$bin/psql" -qX -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE ROLE genesis_owner LOGIN;
CREATE ROLE genesis_app NOLOGIN;
GRANT genesis_app TO genesis_owner;
SQL
    echo "$dir $port" >"$state"
    ;;
  stop)
    [ -f "$state" ] || exit 0
    read -r dir port <"$state"
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$state"
    ;;
  restart)
    read -r dir port <"$state"
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    start_server "$dir" "$port"
    ;;
  stop-server)
    read -r dir port <"$state"
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  start-server)
    read -r dir port <"$state"
    start_server "$dir" "$port"
    ;;
  *)
    echo "pg_cluster.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
