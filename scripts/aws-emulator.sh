# The AWS emulator for Secrets Manager, SNS, SQS, EventBridge, CloudWatch and Timestream.
# Sourced by scripts/services.sh. Kinesis is served by kinesis-local, not by this emulator.
#
# AWS_EMULATOR=moto (default) runs moto server from a private virtualenv;
# AWS_EMULATOR=external uses whatever already listens on AWS_EMULATOR_PORT (for example a
# Docker LocalStack: `docker run -p 4566:4566 localstack/localstack:4.14.0`).
# docs/local-services.md records why moto is the default on these machines.

MOTO_VERSION="5.2.5"
MOTO_VENV="$CACHE_DIR/moto-$MOTO_VERSION"

ensure_aws_emulator() {
  if port_open "$AWS_EMULATOR_PORT"; then log "AWS emulator ready on $AWS_EMULATOR_PORT"; return; fi
  case "${AWS_EMULATOR:-moto}" in
    moto) start_moto ;;
    external) die "AWS_EMULATOR=external but nothing listens on 127.0.0.1:$AWS_EMULATOR_PORT" ;;
    *) die "AWS_EMULATOR must be moto or external, not '${AWS_EMULATOR}'" ;;
  esac
}

start_moto() {
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
    log "installing moto[server]==$MOTO_VERSION into $MOTO_VENV"
    python3 -m venv "$MOTO_VENV" || { apt_install python3-venv && python3 -m venv "$MOTO_VENV"; }
    "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" \
      || die "could not install moto[server]==$MOTO_VERSION from PyPI"
  fi
  log "starting moto server on $AWS_EMULATOR_PORT"
  nohup "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$AWS_EMULATOR_PORT" >"$STATE_DIR/aws-emulator.log" 2>&1 &
  echo $! >"$STATE_DIR/aws-emulator.pid"
  WAIT_SECONDS=60 wait_for "moto server" curl -sf "http://127.0.0.1:$AWS_EMULATOR_PORT/moto-api/" \
    || die "moto server did not start (see $STATE_DIR/aws-emulator.log)"
}

stop_aws_emulator() {
  stop_pidfile aws-emulator
}
