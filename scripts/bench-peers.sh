#!/usr/bin/env bash
# The peers of `npm run bench` (issue #16: NautilusTrader, python-kraken-sdk), from PyPI into
# the bench's own virtualenv $CACHE_DIR/bench-peers-<PEERS_VERSION>. Python here is test
# infrastructure only. The pins and PEERS_VERSION live in test/bench/peers/requirements.txt,
# which test/bench/peers.bench.ts reads too, so both agree on the path. Run by the bench when
# the venv is missing; also runnable alone: `bash scripts/bench-peers.sh`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

requirements="$ROOT/test/bench/peers/requirements.txt"
version="$(sed -n 's/^# PEERS_VERSION=\([0-9A-Za-z.-]*\).*/\1/p' "$requirements")"
[ -n "$version" ] || die "no '# PEERS_VERSION=<n>' line in $requirements"
venv="$CACHE_DIR/bench-peers-$version"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import nautilus_trader, kraken.spot' 2>/dev/null; then
  log "bench peers $version ready"; exit 0
fi
python="$(command -v python3 || true)"
[ -n "$python" ] || { apt_install python3 python3-venv; python="$(command -v python3)"; }
log "installing the bench peers ($version) into $venv"
rm -rf "$venv"
"$python" -m venv "$venv" || { apt_install python3-venv && "$python" -m venv "$venv"; }
# pip prints one warning per package for find-links folders this machine's pip.conf names.
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" 2>&1 \
  | grep -v "is ignored: it is neither a file nor a directory" || true
"$venv/bin/python" -c 'import nautilus_trader, kraken.spot' \
  || die "could not install the bench peers from PyPI into $venv"
