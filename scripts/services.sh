#!/usr/bin/env bash
# Makes every local stand-in exist and run, idempotently:
#   PostgreSQL and Redis (Debian packages, installed if absent, started if stopped),
#   kinesis-local (npm) for Kinesis, and an AWS emulator for Secrets Manager, SNS, SQS,
#   EventBridge, CloudWatch and Timestream (see docs/local-services.md for which one and why).
# Usage: scripts/services.sh [up|down|status]   (default: up)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set -a; source "$ROOT/scripts/local.env"; set +a

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
    apt_install postgresql
  fi
  if ! pg_isready -h "$PGHOST" -p "$PGPORT" -q; then
    command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
    local version
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
    [ -n "$version" ] || die "PostgreSQL is installed but has no cluster under /etc/postgresql"
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    WAIT_SECONDS=30 wait_for PostgreSQL pg_isready -h "$PGHOST" -p "$PGPORT" -q \
      || die "PostgreSQL does not answer on $PGHOST:$PGPORT (see /var/log/postgresql)"
  fi
  # The project's own role and databases, with a password so the same URL works whatever
  # the cluster's pg_hba says for 127.0.0.1 (trust here, scram on a stock Debian install).
  pg_admin -v ON_ERROR_STOP=1 -q <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$LOCAL_DB_USER') THEN
    CREATE ROLE $LOCAL_DB_USER LOGIN PASSWORD '$LOCAL_DB_PASSWORD' CREATEDB;
  END IF;
END \$\$;
-- The migrator creates the per-unit roles (migration 011), as Aurora's master user can.
ALTER ROLE $LOCAL_DB_USER CREATEROLE;
SQL
  for db in "$LOCAL_DB_NAME" "$TEST_DB_NAME"; do
    if [ -z "$(pg_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      pg_admin -q -c "CREATE DATABASE $db OWNER $LOCAL_DB_USER"
    fi
  done
  log "PostgreSQL ready ($LOCAL_DB_NAME, $TEST_DB_NAME)"
}

pg_admin() {
  if psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres "$@"
  else
    as_root runuser -u postgres -- psql -d postgres "$@"
  fi
}

ensure_redis() {
  if redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    log "Redis ready"; return
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$STATE_DIR" --logfile "$STATE_DIR/redis.log"
  WAIT_SECONDS=15 wait_for Redis sh -c "redis-cli -h $REDIS_HOST -p $REDIS_PORT ping | grep -q PONG" \
    || die "Redis does not answer on $REDIS_HOST:$REDIS_PORT (see $STATE_DIR/redis.log)"
}

ensure_kinesis() {
  if port_open "$KINESIS_PLAIN_PORT"; then log "kinesis-local ready"; return; fi
  local pkg="$ROOT/node_modules/kinesis-local"
  [ -f "$pkg/main.js" ] || die "kinesis-local is not installed: run npm ci"
  log "starting kinesis-local on $KINESIS_PLAIN_PORT"
  # Started from its own folder: it looks for server.json (its TLS cert) in the cwd.
  # `cd` first and the server as a simple command, so $! is node itself, not a subshell.
  (cd "$pkg" || exit 1
    env KINESIS_MOCK_CERT_PATH="$pkg/server.json" KINESIS_MOCK_PLAIN_PORT="$KINESIS_PLAIN_PORT" \
      KINESIS_MOCK_TLS_PORT="$KINESIS_TLS_PORT" LOG_LEVEL=WARN CREATE_STREAM_DURATION=0ms \
      DELETE_STREAM_DURATION=0ms nohup node main.js >"$STATE_DIR/kinesis-local.log" 2>&1 &
    echo $! >"$STATE_DIR/kinesis-local.pid")
  WAIT_SECONDS=60 wait_for kinesis-local port_open "$KINESIS_PLAIN_PORT" \
    || die "kinesis-local did not open port $KINESIS_PLAIN_PORT (see $STATE_DIR/kinesis-local.log)"
}

# Debian's chromium, driven by playwright-core in the console's browser tests (no browser download).
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then log "chromium ready"; return; fi
  apt_install chromium
}

# shellcheck source=scripts/aws-emulator.sh
source "$ROOT/scripts/aws-emulator.sh"
# shellcheck source=scripts/schemathesis.sh
source "$ROOT/scripts/schemathesis.sh"
# shellcheck source=scripts/template-scanners.sh
source "$ROOT/scripts/template-scanners.sh"

stop_pidfile() {
  local name="$1" file="$STATE_DIR/$1.pid"
  if [ -f "$file" ]; then
    # SIGKILL on purpose: kinesis-local may keep its port open after SIGTERM.
    kill -9 -- "$(cat "$file")" 2>/dev/null || true
    rm -f "$file"; log "stopped $name"
  fi
}

case "${1:-up}" in
  up)
    ensure_postgres
    ensure_redis
    ensure_kinesis
    ensure_chromium
    ensure_aws_emulator
    ensure_schemathesis
    ensure_template_scanners
    ;;
  down)
    stop_pidfile kinesis-local
    stop_aws_emulator
    ;;
  status)
    pg_isready -h "$PGHOST" -p "$PGPORT" || true
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping || true
    port_open "$KINESIS_PLAIN_PORT" && echo "kinesis-local: up" || echo "kinesis-local: down"
    port_open "$AWS_EMULATOR_PORT" && echo "aws emulator: up" || echo "aws emulator: down"
    port_open "$TIMESTREAM_EMULATOR_PORT" && echo "timestream (moto): up" || echo "timestream (moto): down"
    ;;
  *) die "usage: $0 [up|down|status]" ;;
esac
