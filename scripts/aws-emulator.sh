# AWS emulators for everything but Kinesis (kinesis-local serves that). Sourced by
# scripts/services.sh. docs/local-services.md explains the choices and what failed.
#
#  - LocalStack community 4.14.0 on the host (no Docker) on AWS_EMULATOR_PORT: Secrets
#    Manager, SNS, SQS, EventBridge, CloudWatch. It needs Python >= 3.12 (its code uses
#    3.12 syntax despite its metadata) and three dependency pins.
#  - moto server on TIMESTREAM_EMULATOR_PORT: Timestream Write (Pro-only in LocalStack).
#
# AWS_EMULATOR=localstack (default): as above; when no Python >= 3.12 can be found, moto
#   serves LocalStack's services too, and the script says so.
# AWS_EMULATOR=moto: moto for everything.
# AWS_EMULATOR=external: use what already listens (e.g. `docker run -p 4566:4566
#   localstack/localstack:4.14.0`); only Timestream's moto is started.

LOCALSTACK_VERSION="4.14.0"
LOCALSTACK_VENV="$CACHE_DIR/localstack-$LOCALSTACK_VERSION"
MOTO_VERSION="5.2.5"
MOTO_VENV="$CACHE_DIR/moto-$MOTO_VERSION"
# pip prints one warning per package for find-links folders this machine's pip.conf names.
pip_quiet() { "$@" 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true; }

ensure_aws_emulator() {
  ensure_moto timestream "$TIMESTREAM_EMULATOR_PORT"
  if port_open "$AWS_EMULATOR_PORT"; then log "AWS emulator ready on $AWS_EMULATOR_PORT"; return; fi
  case "${AWS_EMULATOR:-localstack}" in
    localstack)
      local python
      if python="$(find_python_312)"; then start_localstack "$python"
      else
        log "WARNING: no Python >= 3.12 found for LocalStack $LOCALSTACK_VERSION; moto serves its services instead"
        ensure_moto aws-emulator "$AWS_EMULATOR_PORT"
      fi ;;
    moto) ensure_moto aws-emulator "$AWS_EMULATOR_PORT" ;;
    external) die "AWS_EMULATOR=external but nothing listens on 127.0.0.1:$AWS_EMULATOR_PORT" ;;
    *) die "AWS_EMULATOR must be localstack, moto or external, not '${AWS_EMULATOR}'" ;;
  esac
}

find_python_312() {
  local candidate
  for candidate in python3.13 python3.12 "$HOME"/.pyenv/versions/3.13*/bin/python3 \
    "$HOME"/.pyenv/versions/3.12*/bin/python3 /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  # Debian 13 and later ship 3.12+: try the distribution's python3 once.
  if command -v apt-get >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
    apt_install python3 python3-venv
    python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' && { command -v python3; return 0; }
  fi
  return 1
}

start_localstack() {
  local python="$1"
  if [ ! -x "$LOCALSTACK_VENV/bin/python" ] || ! "$LOCALSTACK_VENV/bin/python" -c 'import localstack' 2>/dev/null; then
    log "installing localstack-core $LOCALSTACK_VERSION into $LOCALSTACK_VENV (with $python)"
    rm -rf "$LOCALSTACK_VENV"
    "$python" -m venv "$LOCALSTACK_VENV"
    # Pins, all in one resolve: cbor2 6 lacks cbor2._decoder; pyOpenSSL 26 dropped
    # X509.add_extensions; service_identity is needed by its server; cryptography must
    # stay below 47 for that pyOpenSSL.
    pip_quiet "$LOCALSTACK_VENV/bin/pip" install --quiet --disable-pip-version-check \
      "localstack-core[runtime]==$LOCALSTACK_VERSION" "cbor2<6" "pyopenssl==25.3.0" \
      "cryptography>=45.0.7,<47" service_identity
    "$LOCALSTACK_VENV/bin/python" -c 'import localstack' || die "could not install localstack-core $LOCALSTACK_VERSION"
  fi
  mkdir -p "$STATE_DIR/localstack"
  log "starting LocalStack $LOCALSTACK_VERSION on 127.0.0.1:$AWS_EMULATOR_PORT"
  # OVERRIDE_IN_DOCKER/FILESYSTEM_ROOT: this machine has /.dockerenv, so LocalStack would
  # otherwise write to /var/lib/localstack and bind 0.0.0.0. hypercorn honours the host in
  # GATEWAY_LISTEN. DNS_ADDRESS=0: no DNS server of its own (no outside DNS here).
  # Path-style SQS URLs need no wildcard DNS.
  (env OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$STATE_DIR/localstack" GATEWAY_SERVER=hypercorn \
    GATEWAY_LISTEN="127.0.0.1:$AWS_EMULATOR_PORT" LOCALSTACK_HOST="localhost:$AWS_EMULATOR_PORT" \
    SQS_ENDPOINT_STRATEGY=path DNS_ADDRESS=0 SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 \
    SERVICES=secretsmanager,sns,sqs,events,cloudwatch,logs EAGER_SERVICE_LOADING=0 \
    nohup "$LOCALSTACK_VENV/bin/python" -m localstack.runtime.main >"$STATE_DIR/aws-emulator.log" 2>&1 &
    echo $! >"$STATE_DIR/aws-emulator.pid")
  WAIT_SECONDS=90 wait_for "LocalStack" curl -sf "http://127.0.0.1:$AWS_EMULATOR_PORT/_localstack/health" \
    || die "LocalStack did not start (see $STATE_DIR/aws-emulator.log)"
}

# ensure_moto NAME PORT: a moto server named NAME (its pid file) on PORT.
ensure_moto() {
  local name="$1" port="$2"
  if port_open "$port"; then log "moto ($name) ready on $port"; return; fi
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    local python
    python="$(command -v python3 || true)"
    [ -n "$python" ] || { apt_install python3 python3-venv; python="$(command -v python3)"; }
    log "installing moto[server]==$MOTO_VERSION into $MOTO_VENV"
    "$python" -m venv "$MOTO_VENV" || { apt_install python3-venv && "$python" -m venv "$MOTO_VENV"; }
    pip_quiet "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
    [ -x "$MOTO_VENV/bin/moto_server" ] || die "could not install moto[server]==$MOTO_VERSION from PyPI"
  fi
  log "starting moto ($name) on 127.0.0.1:$port"
  nohup "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$STATE_DIR/$name.log" 2>&1 &
  echo $! >"$STATE_DIR/$name.pid"
  WAIT_SECONDS=60 wait_for "moto ($name)" curl -sf "http://127.0.0.1:$port/moto-api/" \
    || die "moto ($name) did not start on $port (see $STATE_DIR/$name.log)"
}

stop_aws_emulator() {
  stop_pidfile aws-emulator
  stop_pidfile timestream
}
