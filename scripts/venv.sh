#!/usr/bin/env bash
# Makes sure the Python venv at $VENV (default .venv) exists and holds the pinned tools of
# scripts/requirements.txt. The one place the test command, the install scripts and the e2e
# harness create it. Safe to run again: pip only checks the pins when all are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# Every pin already satisfied: no pip run (and no network).
if ! "$VENV/bin/python" - scripts/requirements.txt <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, pinned = line.split("==")
        if version(name) != pinned:
            sys.exit(1)
PY
  timeout 600 "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements.txt
fi
