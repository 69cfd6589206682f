# shellcheck shell=bash
# Installs and configures everything the e2e harness needs. Sourced by run.sh.
# Nothing here may rely on a hand-made setup: CI runs it on a fresh machine.

# install_packages: podman (Debian's 4.3), runc and busybox-static, only if missing.
install_packages() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    [ -x /bin/busybox ] || missing+=(busybox-static)
    [ ${#missing[@]} -eq 0 ] && return 0
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # apt-get update only when the package lists do not know podman yet (saves ~10 s).
    if ! apt-cache show podman >/dev/null 2>&1; then
        timeout 300 apt-get update -q >"$E2E_STATE/apt-update.log" 2>&1 || die "apt-get update failed (see $E2E_STATE/apt-update.log)"
    fi
    timeout 600 apt-get install -y -q "${missing[@]}" >"$E2E_STATE/apt-install.log" 2>&1 \
        || die "apt-get install failed (see $E2E_STATE/apt-install.log)"
}

# install_podman_compose: podman-compose from PyPI into the project's venv.
install_podman_compose() {
    [ -x "$VENV/bin/python" ] || { log "creating venv $VENV"; python3 -m venv "$VENV"; }
    PODMAN_COMPOSE="$VENV/bin/podman-compose"
    [ -x "$PODMAN_COMPOSE" ] && return 0
    log "pip install podman-compose==$PODMAN_COMPOSE_VERSION"
    timeout 300 "$VENV/bin/python" -m pip install -q "podman-compose==$PODMAN_COMPOSE_VERSION" \
        >"$E2E_STATE/pip.log" 2>&1 || die "pip install podman-compose failed (see $E2E_STATE/pip.log)"
}

# configure_podman: a private containers.conf and storage.conf under $E2E_STATE.
# The two containers.conf overrides are required on these machines (runtime-notes.md):
# no CAP_SYS_RESOURCE for the default ulimits, crun 1.8 refuses the hybrid cgroups.
# Storage, runtime state and network definitions are private too, so cleanup can remove
# everything the harness made without touching anyone else's podman objects.
configure_podman() {
    mkdir -p "$E2E_STATE/storage" "$E2E_STATE/run" "$E2E_STATE/networks" "$E2E_STATE/tmp"
    cat >"$E2E_STATE/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[network]
network_backend = "netavark"
network_config_dir = "$E2E_STATE/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$E2E_STATE/tmp"
CONF
    cat >"$E2E_STATE/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$E2E_STATE/storage"
runroot = "$E2E_STATE/run"
CONF
    export CONTAINERS_CONF="$E2E_STATE/containers.conf"
    export CONTAINERS_STORAGE_CONF="$E2E_STATE/storage.conf"
    podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphRoot}}' >"$E2E_STATE/podman-info.txt" 2>&1 \
        || die "podman info failed: $(cat "$E2E_STATE/podman-info.txt")"
}

# build_image: a busybox image made from the host's busybox-static, no registry needed.
# /bin/e2e-node (lib/node.sh) is the program every scenario service runs.
build_image() {
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
    tar -C "$root" -cf "$E2E_STATE/rootfs.tar" .
    podman import -q --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' "$E2E_STATE/rootfs.tar" "$E2E_IMAGE" >/dev/null \
        || die "podman import failed"
}

# tag_image NAME...: the test image under the names compose files and manifests use,
# so neither podman-compose nor kube play tries to pull.
tag_image() {
    local name
    for name in "$@"; do
        podman tag "$E2E_IMAGE" "$name" || die "podman tag $name failed"
    done
}
