# cfn-lint and checkov (PyPI), each in its own virtualenv, for the template scans
# (infra/template-scans.test.ts). Sourced by scripts/services.sh; also runnable alone:
# `bash scripts/template-scanners.sh`. The pins live in infra/template-scanners.txt, which the
# test reads too, so both agree on each venv's path: $CACHE_DIR/<tool>-<version>.

ensure_template_scanners() {
  local pins="$ROOT/infra/template-scanners.txt" tool version venv python line
  grep -Eq '^cfn-lint==' "$pins" && grep -Eq '^checkov==' "$pins" \
    || die "$pins must pin cfn-lint==<version> and checkov==<version>"
  while read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    tool="${line%%==*}"; version="${line#*==}"
    venv="$CACHE_DIR/$tool-$version"
    if [ -x "$venv/bin/$tool" ] && "$venv/bin/$tool" --version 2>/dev/null | grep -q "$version"; then
      log "$tool $version ready"; continue
    fi
    python="$(command -v python3 || true)"
    [ -n "$python" ] || { apt_install python3 python3-venv; python="$(command -v python3)"; }
    log "installing $tool $version into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv" || { apt_install python3-venv && "$python" -m venv "$venv"; }
    # pip prints one warning per package for find-links folders this machine's pip.conf names.
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$tool==$version" 2>&1 \
      | grep -v "is ignored: it is neither a file nor a directory" || true
    "$venv/bin/$tool" --version 2>/dev/null | grep -q "$version" \
      || die "could not install $tool $version from PyPI into $venv"
  done <"$pins"
}

# Run directly (not sourced): install them and stop.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
  ensure_template_scanners
fi
