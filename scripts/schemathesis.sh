# schemathesis (PyPI) in the project's own virtualenv, for the property-based API test that
# drives the local risk API from docs/openapi.json (test/contract/). Sourced by
# scripts/services.sh; also runnable alone: `bash scripts/schemathesis.sh`.
# The pin lives in test/contract/requirements.txt, which the test reads too, so the test
# and this script always agree on the venv's path: $CACHE_DIR/schemathesis-<version>.

ensure_schemathesis() {
  local requirements="$ROOT/test/contract/requirements.txt" version venv python
  version="$(sed -n 's/^schemathesis==\([0-9.]*\).*/\1/p' "$requirements")"
  [ -n "$version" ] || die "no schemathesis==<version> pin in $requirements"
  venv="$CACHE_DIR/schemathesis-$version"
  if [ -x "$venv/bin/schemathesis" ] && "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
    log "schemathesis $version ready"; return
  fi
  python="$(command -v python3 || true)"
  [ -n "$python" ] || { apt_install python3 python3-venv; python="$(command -v python3)"; }
  log "installing schemathesis $version into $venv"
  rm -rf "$venv"
  "$python" -m venv "$venv" || { apt_install python3-venv && "$python" -m venv "$venv"; }
  # pip prints one warning per package for find-links folders this machine's pip.conf names.
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version" \
    || die "could not install schemathesis $version from PyPI into $venv"
}

# Run directly (not sourced): install it and stop.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
  ensure_schemathesis
fi
