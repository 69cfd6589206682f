# shellcheck shell=bash
# Image facts at run time (issue 26, `--inspect-images`): sourced by run.sh, test `image-facts`.
#
# One image, built offline with buildah (`--format docker`, so HEALTHCHECK is kept; chroot
# isolation, its one RUN only sets owners and modes) from the harness's busybox root file system, saved as a docker-archive and loaded into the harness's
# dockerd and podman. tests/e2e/images/image-facts/compose.yaml runs under Docker Compose v2;
# podlift converts it with `--inspect-images --offline --image-archive` of that archive (nothing
# is fetched), and the Pod plays under podman. Checked:
# - copy-up: the files a fresh named volume (and the image's VOLUME) holds once the service
#   runs are the same on both sides: path, owner, group, mode, type, link target;
# - the copy-up init container ran and exited 0;
# - HEALTHCHECK: under compose, `app` (service_healthy on db, no compose healthcheck) starts
#   after db became healthy; in the Pod, db's startupProbe is the image's check, which fails
#   before db is ready and passes after. (podman 4.3 runs no native sidecars, so the Pod
#   itself cannot show the wait: below Kubernetes 1.29 the containers of a Pod start together.)

IMAGES_DIR=$E2E_DIR/images
FACTS_IMAGE=localhost/podlift-e2e-facts:1
FACTS_TAR=$E2E_STATE/image-facts.tar
FACTS_BUILD=$E2E_STATE/image-facts-build

# bah ARGS...: buildah with private storage under $E2E_STATE (vfs: no mounts left behind).
bah() {
    timeout 300 buildah --root "$FACTS_BUILD/storage" --runroot "$FACTS_BUILD/run" \
        --storage-driver vfs "$@" 9>&-
}

# build_facts_image: the image, its docker-archive, loaded on both sides.
build_facts_image() {
    local ctx=$FACTS_BUILD/context out=$LOGS/image-facts.build.log
    command -v buildah >/dev/null || { echo "  buildah is not installed (apt-get install buildah)"; return 1; }
    rm -rf "$FACTS_BUILD" "$FACTS_TAR" && mkdir -p "$ctx"
    cp "$IMAGES_DIR/image-facts/Containerfile" "$ctx/Containerfile"
    cp -a "$E2E_STATE/rootfs" "$ctx/rootfs"
    bah bud --format docker --isolation chroot -f "$ctx/Containerfile" \
        -t "$FACTS_IMAGE" "$ctx" >"$out" 2>&1 \
        || { echo "  buildah bud failed:"; tail -20 "$out" | sed 's/^/    /'; return 1; }
    bah push "$FACTS_IMAGE" "docker-archive:$FACTS_TAR:$FACTS_IMAGE" >>"$out" 2>&1 \
        || { echo "  buildah push to a docker-archive failed:"; tail -5 "$out" | sed 's/^/    /'; return 1; }
    dk load -i "$FACTS_TAR" >>"$out" 2>&1 || { echo "  docker load failed"; return 1; }
    pm load -i "$FACTS_TAR" >>"$out" 2>&1 || { echo "  podman load failed"; return 1; }
    echo "  built $FACTS_IMAGE, $(stat -c %s "$FACTS_TAR") bytes of docker-archive"
}

# files_of LOG: the FILE lines (one per path in the volumes), sorted.
files_of() { grep -E '^FILE ' "$1" | sort -u; }

# same_files: the volumes hold the same files with the same owners, modes and links.
same_files() {
    local compose pod
    compose=$(files_of "$LOGS/image-facts.compose.log")
    pod=$(files_of "$LOGS/image-facts.pod.log")
    [ -n "$compose" ] || { echo "  no FILE lines under compose"; return 1; }
    grep -q 'a.txt' <<<"$compose" || { echo "  compose's volume holds no a.txt: $compose"; return 1; }
    if [ "$compose" != "$pod" ]; then
        echo "  the volumes differ (< compose, > pod):"
        diff <(echo "$compose") <(echo "$pod") | sed 's/^/    /'
        return 1
    fi
    echo "  $(wc -l <<<"$compose") paths alike:"
    sed 's/^/    /' <<<"$compose"
}

# fresh_volumes: the Pods before are down and their volumes gone (a claim is a podman named
# volume, kept by `kube down`). podman's storage is the harness's own ($E2E_STATE).
fresh_volumes() {
    wait_pods_down
    pm volume prune -f >/dev/null 2>&1
}

# copies_alike NAME: the lister saw, below the volumes' roots, what Docker's volumes hold
# (db's /srv/seed as app's /mnt/seed under compose; the anonymous volumes as /var/lib/anon).
copies_alike() {
    local want got
    want=$(files_of "$LOGS/image-facts.compose.log" | sed 's|/mnt/seed|/srv/seed|g')
    got=$(files_of "$LOGS/$1-copies.pod.log")
    # Every copy-up's files must be Docker's; /var/lib/anon has two (db's and app's): the same.
    if [ "$want" != "$got" ]; then
        echo "  differ (< compose, > copy-ups alone):"
        diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
        return 1
    fi
    echo "  $(wc -l <<<"$got") paths, as under Docker"
}

# no_copy_empty NAME: without the copy-ups every listed volume holds nothing but its root.
no_copy_empty() {
    local files
    files=$(files_of "$LOGS/$1-nocopy.pod.log")
    [ -n "$files" ] || { echo "  the control Pod listed nothing"; return 1; }
    if grep -qv ': [0-9]* [0-9]* [0-9]* directory ' <<<"$files"; then
        echo "  files without the copy-up:"; sed 's/^/    /' <<<"$files"; return 1
    fi
    echo "  without podlift-copy-up-N: only the empty roots ($(wc -l <<<"$files"))"
}

# event LOG NAME WHAT: the /proc/uptime of `EVENT NAME WHAT T`.
event() { grep -Eo "^EVENT $2 $3 [0-9.]+" "$1" | head -1 | cut -d' ' -f4; }

# compose_waited: app started after db's READY (the image's HEALTHCHECK passed).
compose_waited() {
    local log=$LOGS/image-facts.compose.log ready start
    ready=$(event "$log" db ready) start=$(event "$log" app start)
    [ -n "$ready" ] && [ -n "$start" ] || { echo "  missing EVENT lines (db ready '$ready', app start '$start')"; return 1; }
    awk -v r="$ready" -v s="$start" 'BEGIN { exit !(s >= r) }' \
        || { echo "  app started at $start, before db was ready at $ready"; return 1; }
    echo "  db ready at $ready, app started at $start"
}

# pod_probe POD YAML (a POD_HOOK): the manifest's startupProbe of db is the image's check, the
# copy-up init container exited 0, and the check passes in the running db container.
pod_probe() {
    local pod=$1 probe code
    local argv=()
    mapfile -t argv < <("$VENV/bin/python" - "$LOGS/image-facts.pod.yaml" <<'PY'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") == "Pod":
        for c in doc["spec"]["containers"]:
            if c["name"] == "db":
                print("\n".join(c.get("startupProbe", {}).get("exec", {}).get("command", [])))
PY
)
    probe="${argv[*]}"
    [ "$probe" = "/bin/sh -c test -f /tmp/ready" ] \
        || { echo "  db's startupProbe is '$probe', not the image's HEALTHCHECK"; return 1; }
    code=$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$pod-podlift-copy-up-1" 2>&1)
    [ "$code" = "exited 0" ] || { echo "  podlift-copy-up-1: '$code'"; return 1; }
    pm exec "$pod-db" "${argv[@]}" || { echo "  the image's check fails in the running db"; return 1; }
    echo "  db's startupProbe: $probe (passes in the running db); podlift-copy-up-1 exited 0"
}

test_image_facts() {
    local name=image-facts dir=$IMAGES_DIR/image-facts t=$SECONDS
    log "image facts (--inspect-images): copy-up and HEALTHCHECK"
    check "image-facts: image built and loaded" build_facts_image
    [ -s "$FACTS_TAR" ] || return
    check "image-facts: docker compose run" run_compose "$name" "$dir"
    check "image-facts: compose waited for the image's HEALTHCHECK" compose_waited
    PODLIFT_CONVERT_ARGS="--strategy pod --kube-version 1.28 --inspect-images --offline --image-archive $FACTS_TAR" \
        POD_HOOK=pod_probe check "image-facts: pod run (copy-up init, image's check)" \
        pod_side "$name" "$dir/compose.yaml"
    check "image-facts: the volumes hold the same files, owners, modes and links" same_files
    # What the copy-up init containers alone put into the volumes: a Pod with only them and a
    # lister mounting each volume where the image has nothing (podman 4.3 itself copies an
    # image's files into a fresh volume or emptyDir on first mount, as Docker does, so the run
    # above alone cannot tell whose copy it sees). Then the negative control: the same Pod
    # without the copy-ups lists empty volumes.
    fresh_volumes
    py podify "$LOGS/$name.podlift.yaml" "$LOGS/$name-copies.pod.yaml" "e2e-$name-copies" --list-copy-ups \
        && run_pod "$name-copies" "$LOGS/$name-copies.pod.yaml" '^DONE.lister$' >/dev/null
    check "image-facts: the copy-up init containers alone fill the volumes as Docker does" copies_alike "$name"
    fresh_volumes
    py podify "$LOGS/$name.podlift.yaml" "$LOGS/$name-nocopy.pod.yaml" "e2e-$name-nocopy" --list-copy-ups --no-copy-up \
        && run_pod "$name-nocopy" "$LOGS/$name-nocopy.pod.yaml" '^DONE.lister$' >/dev/null
    check "image-facts: without them the volumes stay empty (negative control)" no_copy_empty "$name"
    rm -rf "$FACTS_BUILD"
    log "image-facts took $((SECONDS - t))s"
}
