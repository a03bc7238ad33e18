#!/usr/bin/env bash
# A private, throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks.
#   scripts/pg-server.sh start DIR [PORT]   initdb (first time) and start; prints the URL
#   scripts/pg-server.sh stop DIR           stop it
# Installs Debian's postgresql package when no server binaries are found.
set -euo pipefail
cmd=${1:?usage: pg-server.sh start|stop DIR [PORT]}
dir=${2:?usage: pg-server.sh start|stop DIR [PORT]}
port=${3:-55432}

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(find_bin)
if [ -z "$bin" ]; then
  echo "Installing PostgreSQL (Debian package postgresql)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

# PostgreSQL refuses to run as root; run it as the postgres user when we are root.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o \
      "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: pg-server.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
