# shellcheck shell=bash
# The reference side: a private Docker Engine (Debian's docker.io) driven by Docker Compose v2.
# Sourced by run.sh.
#
# The daemon is the harness's own and touches nothing else of the machine:
#   --data-root, --exec-root, --pidfile and a unix:// socket under $DOCKER_STATE;
#   --config-file of its own (not /etc/docker/daemon.json);
#   --iptables=false --ip-forward=false --bridge=none: no iptables rule, no forwarding, no docker0;
#   a private mount namespace (unshare -m) with a tmpfs on /etc/docker, where dockerd 20.10 would
#   otherwise write key.json; its overlay and netns mounts live and die in that namespace;
#   DOCKER_HOST and DOCKER_CONFIG (under $DOCKER_STATE, so neither client writes ~/.docker) are
#   given to the docker client and to Compose only (podman reads DOCKER_CONFIG too).
# stop_dockerd (run from the EXIT trap, on failure too) removes its containers and networks,
# stops it (bounded), removes any bridge a killed daemon left behind, and deletes $DOCKER_STATE.

DOCKER_STATE=$E2E_STATE/docker
DOCKER_SOCK=unix://$DOCKER_STATE/docker.sock
DOCKERD_PID=

# docker_env CMD...: CMD talking to the harness's daemon.
docker_env() { DOCKER_HOST=$DOCKER_SOCK DOCKER_CONFIG=$DOCKER_STATE/config "$@"; }
# dk ARGS...: the Debian docker client against the harness's daemon (`9>&-`: see pm in run.sh).
dk() { docker_env timeout "${DK_TIMEOUT:-60}" "$DOCKER" "$@" 9>&-; }

start_dockerd() {
    local d=$DOCKER_STATE pid
    # A daemon an earlier run left behind (that run was killed with SIGKILL): stop it first.
    pid=$(cat "$d/dockerd.pid" 2>/dev/null)
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--pidfile $d/dockerd.pid"; then
        log "stopping the dockerd an earlier run left behind (pid $pid)"
        DOCKERD_PID=$pid
    fi
    stop_dockerd      # also removes what a daemon that died left: processes, bridges, state
    [ -d /etc/docker ] || die "/etc/docker is missing (it belongs to docker.io): reinstall docker.io"
    rm -rf "$d" && mkdir -p "$d/root" "$d/exec" "$d/config"
    echo '{}' >"$d/daemon.json"
    # shellcheck disable=SC2016 # $@ expands in the inner shell
    unshare -m --propagation private sh -c \
        'mount -t tmpfs -o size=1m,mode=0700 podlift-e2e /etc/docker && exec "$@"' _ \
        "$DOCKERD" --config-file "$d/daemon.json" --data-root "$d/root" --exec-root "$d/exec" \
        --pidfile "$d/dockerd.pid" -H "$DOCKER_SOCK" \
        --iptables=false --ip-forward=false --bridge=none \
        >"$LOGS/dockerd.log" 2>&1 9>&- &
    DOCKERD_PID=$!
    # Bounded: 30 s.
    for _ in $(seq 120); do
        DK_TIMEOUT=5 dk version --format '{{.Server.Version}}' >/dev/null 2>&1 && return 0
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.25
    done
    tail -5 "$LOGS/dockerd.log" >&2
    die "the harness's dockerd did not answer on $DOCKER_SOCK within 30 s (log: $LOGS/dockerd.log)"
}

# docker_network_create NAME SUBNET: an --internal network; its bridge is recorded so that
# stop_dockerd can remove it even if the daemon dies first.
docker_network_create() {
    local id
    dk network rm "$1" >/dev/null 2>&1
    id=$(dk network create --internal --subnet "$2" "$1") || return 1
    echo "br-${id:0:12}" >>"$E2E_STATE/docker-bridges"
}

stop_dockerd() {
    local id pid br
    if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
        DK_TIMEOUT=30 dk ps -aq 2>/dev/null | xargs -r env DOCKER_HOST="$DOCKER_SOCK" DOCKER_CONFIG="$DOCKER_STATE/config" timeout 60 "$DOCKER" rm -f >/dev/null 2>&1
        for id in $(DK_TIMEOUT=10 dk network ls -q --filter type=custom 2>/dev/null); do
            DK_TIMEOUT=10 dk network rm "$id" >/dev/null 2>&1
        done
        kill -TERM "$DOCKERD_PID" 2>/dev/null
        for _ in $(seq 120); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.25; done
        kill -0 "$DOCKERD_PID" 2>/dev/null && { log "dockerd did not stop within 30 s: killing it"; kill -KILL "$DOCKERD_PID"; }
    fi
    [ -n "$DOCKERD_PID" ] && wait "$DOCKERD_PID" 2>/dev/null
    DOCKERD_PID=
    # A killed daemon leaves its containerd and shims: they are the only processes whose
    # command line names $DOCKER_STATE (a directory this run made).
    for pid in $(pgrep -f -- "$DOCKER_STATE/"); do
        log "stopping left-over process $pid: $(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | cut -c1-100)"
        kill -KILL "$pid" 2>/dev/null
    done
    if [ -f "$E2E_STATE/docker-bridges" ]; then
        while read -r br; do
            ip link show "$br" >/dev/null 2>&1 && { log "removing left-over bridge $br"; ip link del "$br"; }
        done <"$E2E_STATE/docker-bridges"
        rm -f "$E2E_STATE/docker-bridges"
    fi
    rm -rf "$DOCKER_STATE"
}

# docker_versions: "Docker Engine X (API Y)".
docker_versions() {
    dk version --format 'Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}}, client {{.Client.Version}})' 2>/dev/null
}
