# shellcheck shell=bash
# tools-recovery: the harness recovers on a machine where catatonit is absent.
#
# Sourced by run.sh (test_tools_recovery); executed as `recovery.sh --in-namespace DIR` for the
# part that runs in a private mount namespace. There /usr and /var/{lib,cache,log} are overlays
# whose upper layers are a tmpfs on DIR, so the test can take catatonit away and let the
# harness put it back without changing anything of the machine: every write (the removal,
# dpkg's reinstall, apt's download) lands in the tmpfs and disappears with the namespace.
#
# Inside: catatonit's files are removed; `podman pod create` must fail as it did on fresh
# machines ("finding pause binary"); ensure_tools (lib/setup.sh, the same code setup runs)
# must notice and reinstall catatonit by name; then `podman pod create` must succeed.

RECOVERY_DIR=${E2E_STATE:-/var/tmp/podlift-e2e}/recovery
RECOVERY_OVERLAYS=(/usr /var/lib /var/cache /var/log)

test_tools_recovery() {
    local out="$LOGS/tools-recovery.log"
    log "tools recovery: catatonit removed in a private mount namespace"
    rm -rf "$RECOVERY_DIR" && mkdir -p "$RECOVERY_DIR"
    timeout 300 unshare -m --propagation private "$BASH" "$E2E_DIR/lib/recovery.sh" --in-namespace "$RECOVERY_DIR" \
        >"$out" 2>&1 9>&-
    local rc=$?
    sed 's/^/  /' "$out"
    rm -rf "$RECOVERY_DIR"
    if [ $rc = 0 ]; then pass "tools-recovery: catatonit missing -> detected, reinstalled by name, podman builds its pause image"
    else fail "tools-recovery: see $out"; fi
}

# --- the part in the private mount namespace ------------------------------------------------------

recovery_in_namespace() {
    local dir=$1 d up before after
    mount -t tmpfs -o size=1g,mode=0700 podlift-e2e-recovery "$dir" || die "tmpfs on $dir"
    for d in "${RECOVERY_OVERLAYS[@]}"; do
        up="$dir/layers${d//\//_}"
        mkdir -p "$up/upper" "$up/work"
        mount -t overlay podlift-e2e-recovery -o "lowerdir=$d,upperdir=$up/upper,workdir=$up/work" "$d" \
            || die "overlay on $d"
    done
    rm -f /usr/bin/catatonit /usr/libexec/podman/catatonit
    log "removed /usr/bin/catatonit and /usr/libexec/podman/catatonit (in this namespace only)"
    write_podman_conf "$dir/podman" vfs
    before=$(timeout 60 podman pod create --name recovery-before 2>&1)
    log "before: podman pod create: ${before:-ok}"
    grep -q 'finding pause binary' <<<"$before" || die "podman did not fail for want of catatonit: '$before'"
    ensure_tools
    after=$(timeout 120 podman pod create --name recovery-after 2>&1) || die "after recovery: podman pod create failed: $after"
    log "after: podman pod create: ok (pod ${after:0:12}), pause image $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -m1 pause)"
    timeout 60 podman pod rm -f -a >/dev/null 2>&1
    timeout 60 podman rmi -a -f >/dev/null 2>&1
    return 0
}

if [ "${1:-}" = --in-namespace ]; then
    set -uo pipefail
    E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    E2E_STATE=$2
    log() { echo "[tools-recovery] $*"; }
    die() { echo "[tools-recovery] FATAL: $*"; exit 1; }
    # shellcheck source=setup.sh
    . "$E2E_DIR/lib/setup.sh"
    recovery_in_namespace "$2"
fi
