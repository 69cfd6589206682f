# shellcheck shell=bash
# The split strategy under podman (tests/e2e/README.md, "Split strategy"). Sourced by run.sh;
# uses its pm/py/check/log/wait_logs/collect_logs/convert helpers.
#
#   run.sh split     compose side, split side (app2 x2), matrices, limits, idempotence, and the
#                    negative control with an emptied address map
#   run.sh split-names, split-no-route, split-shared-port (with a kube-proxy stand-in),
#          auto-port-clash (the default strategy on a port clash: two Pods),
#          split-start-late (a dependent waits for its peer's late Pod: podlift-wait)
#
# NETWORK SAFETY: every split Pod is on the --internal network $SPLIT_NET and gets a default
# route to $SPLIT_DEAD_GW, an address nobody holds there: a packet that is not translated to a
# peer Pod's IP never leaves the Pod (its gateway never answers ARP). Nothing runs in the root
# namespace but podman itself and `nsenter -n` into a Pod's namespace.

SPLIT_DIR=$E2E_DIR/split
SPLIT_INIT_IMAGE=localhost/podlift-e2e-init:test
SPLIT_NET=podlift-e2e-split
SPLIT_SUBNET=10.254.252.0/24      # must match lib/split.py (POD_SUBNET, DEAD_GATEWAY)
SPLIT_DEAD_GW=10.254.252.254
SPLIT_NS=default
SPLIT_ROOTFS=$E2E_STATE/split-rootfs
SPLIT_READY=
# podman 4.3 refuses the downward API's namespace ("can not set env PODLIFT_NAMESPACE. Reason:
# fieldPath metadata.namespace is either not valid or not supported"): the harness sets the
# variable to $SPLIT_NS as a plain value (a podman quirk, not Kubernetes behaviour).
SPLIT_POD_FLAGS=(--literal-namespace)
# The init image's iptables: nft. Legacy iptables needs CAP_NET_RAW as well as NET_ADMIN (it
# talks to the kernel over a raw socket) and fails under podlift's `drop: [ALL], add: [NET_ADMIN]`
# with "can't initialize iptables table `nat': Permission denied"; nft speaks netlink.
SPLIT_IPTABLES=${SPLIT_IPTABLES:-nft}
SPLIT_XTABLES=/usr/lib/x86_64-linux-gnu/xtables

sp() { "$VENV/bin/python" "$E2E_DIR/lib/split.py" "$@"; }

# build_split_init_image: busybox-static for the shell tools, Debian's own iptables (nft and
# legacy), iproute2's ip and glibc's getent with their libraries, dash as /bin/sh (busybox ash
# would run its own `ip` applet ahead of PATH). No registry involved.
build_split_init_image() {
    local root=$SPLIT_ROOTFS f s b applet
    local bins="/usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/sbin/ip /usr/bin/getent /usr/bin/dash"
    for f in $bins; do [ -x "$f" ] || { echo "  missing $f (apt-get install iptables iproute2 dash)"; return 1; }; done
    [ -d "$SPLIT_XTABLES" ] || { echo "  missing $SPLIT_XTABLES"; return 1; }
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,run} "$root${SPLIT_XTABLES%/*}"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list-full); do
        [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
    for f in $bins; do rm -f "$root$f"; cp "$f" "$root$f"; done
    rm -f "$root/sbin/ip" "$root/bin/sh" && ln -s /usr/bin/dash "$root/bin/sh"
    cp -a "$SPLIT_XTABLES" "$root${SPLIT_XTABLES%/*}/"
    for f in $bins "$SPLIT_XTABLES"/*.so; do ldd "$f" | grep -Eo '/[^ ]+'; done | sort -u \
        | while read -r f; do cp --parents -L "$f" "$root/"; done
    rm -f "$root"/sbin/iptables* "$root"/usr/sbin/iptables*
    for b in nft legacy; do
        for s in "" -save -restore; do ln -s "xtables-$b-multi" "$root/usr/sbin/iptables-$b$s"; done
    done
    for s in "" -save -restore; do ln -s "iptables-$SPLIT_IPTABLES$s" "$root/usr/sbin/iptables$s"; done
    printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
    cp /etc/protocols "$root/etc/protocols"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    tar -C "$root" -cf "$root.tar" . || return 1
    pm import -q --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
        "$root.tar" "$SPLIT_INIT_IMAGE" >/dev/null || return 1
    rm -f "$root.tar"
}

# init_image_works: the image's iptables edits a nat table with exactly the capabilities podlift
# gives its init container (NET_ADMIN only); legacy iptables is shown to need NET_RAW too.
init_image_works() {
    local out
    out=$(pm run --rm --network "$SPLIT_NET" --cap-drop all --cap-add NET_ADMIN "$SPLIT_INIT_IMAGE" sh -c '
        set -e
        iptables -V; ip -V; getent hosts localhost
        iptables -t nat -N T && iptables -t nat -A OUTPUT -j T
        iptables -t nat -A T -d 169.254.253.7/32 -j DNAT --to-destination 10.254.252.10
        iptables -t nat -A T -p tcp --dport 8007 -j DNAT --to-destination 169.254.253.7:8007
        iptables -t nat -S
        echo "legacy, NET_ADMIN only: $(iptables-legacy -t nat -S 2>&1 | head -1)"' 2>&1 | grep -v syslog) \
        || { echo "$out" | sed 's/^/    /'; return 1; }
    echo "$out" | sed 's/^/    /'
    grep -q -- '-A T -d 169.254.253.7/32 -j DNAT --to-destination 10.254.252.10' <<<"$out"
}

split_setup() {
    [ -n "$SPLIT_READY" ] && return 0
    pm network create --internal --disable-dns --subnet "$SPLIT_SUBNET" "$SPLIT_NET" >/dev/null || return 1
    build_split_init_image || return 1
    SPLIT_READY=1
}

# --- playing the split Pods -------------------------------------------------------------------

# split_pods NAME SRC [split.py pods flags]: $LOGS/NAME/POD.yaml for every replica and the plan
# $LOGS/NAME/plan ("POD IP DEPLOYMENT INDEX CONTAINERS"), from podlift's output SRC.
split_pods() {
    local name=$1 src=$2 dir="$LOGS/$1"
    shift 2
    rm -rf "$dir" && mkdir -p "$dir"
    sp pods "$src" "$dir" "e2e-$name" "$SPLIT_NS" "$SPLIT_INIT_IMAGE" "$@" \
        >"$dir/plan" 2>"$dir/pods.err" || { cat "$dir/pods.err"; return 1; }
    sed 's/^/  /' "$dir/pods.err"
    sed 's/^/  pod /' "$dir/plan"
}

# split_run NAME [HOOK]: play every Pod of $LOGS/NAME/plan with its static IP, wait until every
# container printed DONE (each Pod's log in $LOGS/NAME/POD.log), run HOOK NAME, tear down.
split_run() {
    local name=$1 hook=${2:-} dir="$LOGS/$1" pod ip dep idx cs c res rc=0 t0=$SECONDS
    [ -s "$dir/plan" ] || { echo "  no Pods to play ($dir/plan is missing or empty)"; return 1; }
    while read -r pod ip dep idx cs; do
        pm kube play --network "$SPLIT_NET" --ip "$ip" "$dir/$pod.yaml" >"$dir/$pod.play.log" 2>&1 \
            || { echo "  kube play $pod failed:"; grep -v syslog "$dir/$pod.play.log" | sed 's/^/    /'; rc=1; }
    done <"$dir/plan"
    echo "  played $(wc -l <"$dir/plan") Pods in $((SECONDS - t0))s"
    while read -r pod ip dep idx cs; do
        res=()
        for c in ${cs//,/ }; do res+=("^DONE.$c$"); done
        [ $rc = 0 ] && { wait_logs pod_containers "$pod" "$dir/$pod.log" "${res[@]}" || rc=1; }
        collect_logs pod_containers "$pod" "$dir/$pod.log"
    done <"$dir/plan"
    grep -h 'podlift:' "$dir"/*.log | sed 's/^/  init: /'
    [ $rc = 0 ] && [ -n "$hook" ] && { "$hook" "$name" || rc=1; }
    # All Pods at once; the next split run reuses their static IPs, so wait for them here.
    while read -r pod ip dep idx cs; do pod_down "$pod" "$dir/$pod.yaml"; done <"$dir/plan"
    wait_pods_down
    return $rc
}

# pod_of NAME DEPLOYMENT [INDEX]: the Pod name of that replica.
pod_of() { awk -v d="$2" -v i="${3:-1}" '$3 == d && $4 == i { print $1 }' "$LOGS/$1/plan"; }
pod_ip() { awk -v p="$2" '$1 == p { print $2 }' "$LOGS/$1/plan"; }

# in_pod_ns NAME POD CMD...: CMD inside POD's network namespace, with the init image's
# binaries (chroot into its rootfs; /etc/hosts copied from the Pod). For checks only.
in_pod_ns() {
    local name=$1 pod=$2 infra pid
    shift 2
    infra=$(pm pod inspect --format '{{.InfraContainerID}}' "$pod") || return 1
    pid=$(pm inspect --format '{{.State.Pid}}' "$infra") || return 1
    [ -e "$SPLIT_ROOTFS/dev/null" ] || { mkdir -p "$SPLIT_ROOTFS/dev" && mknod -m 666 "$SPLIT_ROOTFS/dev/null" c 1 3; } || return 1
    pm exec "$(pm ps --filter "pod=$pod" --filter status=running --format '{{.Names}}' | grep -v infra | head -1)" \
        cat /etc/hosts >"$SPLIT_ROOTFS/etc/hosts" || return 1
    timeout 20 nsenter -t "$pid" -n env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PODLIFT_NAMESPACE="$SPLIT_NS" \
        chroot "$SPLIT_ROOTFS" "$@"
}

# fetch_from CONTAINER URL: the body, or "fail".
fetch_from() { pm exec "$1" sh -c "timeout 3 wget -q -O - '$2' 2>/dev/null" || echo fail; }

# kube_proxy NAME: the kube-proxy stand-in for `split.py pods --service-ips`: one container on
# $SPLIT_NET at $SPLIT_PROXY_IP holding every Service's stand-in ClusterIP, with kube-proxy's
# translation (ClusterIP:port -> Pod IP:targetPort, masqueraded so that replies come back
# through it) for each line of $LOGS/NAME/services. A third network namespace, as a node's is
# on a cluster: the caller's OUTPUT (PODLIFT-OUT) and the callee's PREROUTING (PODLIFT-IN)
# each translate once, and a Service whose targetPort differs from its port needs one more.
SPLIT_PROXY_IP=10.254.252.99
kube_proxy() {
    local name=$1 rules="$LOGS/$1/services" script cip proto port pip tport
    [ -s "$rules" ] || { echo "  no Service rules in $rules"; return 1; }
    script='set -e'
    while read -r cip proto port pip tport; do
        script="$script
ip addr replace $cip/32 dev eth0
iptables -t nat -A PREROUTING -d $cip -p $proto --dport $port -j DNAT --to-destination $pip:$tport"
    done <"$rules"
    script="$script
iptables -t nat -A POSTROUTING -j MASQUERADE
iptables -t nat -S | grep DNAT
echo kube-proxy ready
exec sleep 600"
    pm run -d --name "e2e-$name-kube-proxy" --network "$SPLIT_NET" --ip "$SPLIT_PROXY_IP" \
        --cap-drop all --cap-add NET_ADMIN --sysctl net.ipv4.ip_forward=1 \
        "$SPLIT_INIT_IMAGE" sh -c "$script" >/dev/null 2>"$LOGS/$name/kube-proxy.err" \
        || { grep -v syslog "$LOGS/$name/kube-proxy.err" | sed 's/^/    /'; return 1; }
    for _ in $(seq 50); do
        pm logs "e2e-$name-kube-proxy" 2>&1 | grep -q '^kube-proxy ready' && break
        sleep 0.2
    done
    pm logs "e2e-$name-kube-proxy" 2>&1 | tee "$LOGS/$name/kube-proxy.log" | sed 's/^/  kube-proxy: /'
    grep -q '^kube-proxy ready' "$LOGS/$name/kube-proxy.log"
}
kube_proxy_down() { pm rm -f -t 0 "e2e-$1-kube-proxy" >/dev/null 2>&1; }

# --- checks while the split Pods are up -------------------------------------------------------

# split_hook NAME: what the matrix cannot show; the results go to $LOGS/NAME/limits.txt.
split_hook() {
    local name=$1 db app1 app2b dbip script before after r out rc=0
    db=$(pod_of "$name" seed-db) app1=$(pod_of "$name" seed-app1) app2b=$(pod_of "$name" seed-app2 2)
    dbip=$(pod_ip "$name" "$db")
    {
        echo "== NAT rules in $db after its init container"
        in_pod_ns "$name" "$db" iptables -t nat -S
        # Idempotence: the loopback script twice more in the live namespace, same rules. It reads
        # the address map where the Pod mounts it (/etc/podlift, a ConfigMap volume).
        script=$(sp init-script "$LOGS/$name/$db.yaml")
        mkdir -p "$SPLIT_ROOTFS/etc/podlift"
        if ! sp address-map "$LOGS/$name/$db.yaml" >"$SPLIT_ROOTFS/etc/podlift/addresses"; then
            echo "FAIL no address map in $db.yaml"; rc=1
        fi
        before=$(in_pod_ns "$name" "$db" iptables -t nat -S | sort)
        in_pod_ns "$name" "$db" sh -c "$script" >/dev/null && in_pod_ns "$name" "$db" sh -c "$script" >/dev/null \
            || { echo "FAIL init script re-run failed"; rc=1; }
        after=$(in_pod_ns "$name" "$db" iptables -t nat -S | sort)
        if [ "$before" = "$after" ]; then echo "ok   init script twice more in $db: same $(wc -l <<<"$after") nat rules"
        else echo "FAIL init script re-run changed the rules:"; diff <(echo "$before") <(echo "$after"); rc=1; fi
        r=$(fetch_from "$db-db" http://app1:8007/)
        [ "$r" = app1 ] && echo "ok   db -> app1:8007 after the re-run: $r" || { echo "FAIL db -> app1:8007 after the re-run: $r"; rc=1; }

        # Source address: app1 serves a CGI that prints the peer's address.
        pm exec "$app1-app1" sh -c 'mkdir -p /tmp/www/cgi-bin && printf "#!/bin/sh\necho Content-Type: text/plain\necho\necho \$REMOTE_ADDR\n" >/tmp/www/cgi-bin/who && chmod +x /tmp/www/cgi-bin/who'
        r=$(fetch_from "$db-db" http://169.254.253.7:8007/cgi-bin/who)
        echo "obs  source: app1 sees db's connection to 169.254.253.7:8007 coming from $r (db's Pod IP $dbip, db's preset 169.254.253.2)"
        [ "$r" = "$dbip" ] || { echo "FAIL expected the source to be db's Pod IP $dbip"; rc=1; }
        r=$(fetch_from "$app1-app1" http://169.254.253.7:8007/cgi-bin/who)
        echo "obs  source: app1 to its own 169.254.253.7:8007 comes from $r"

        # Undeclared ports: 9007 bound to app1's preset address only, 9008 on 0.0.0.0.
        pm exec "$app1-app1" sh -c 'echo app1-9007 >/tmp/www/p7; httpd -p 169.254.253.7:9007 -h /tmp/www; httpd -p 0.0.0.0:9008 -h /tmp/www'
        r=$(fetch_from "$db-db" http://169.254.253.7:9007/p7)
        echo "obs  undeclared port, server bound to the preset address: db -> 169.254.253.7:9007 $r"
        [ "$r" = fail ] || { echo "FAIL expected no answer (no PODLIFT-IN rule for 9007)"; rc=1; }
        r=$(fetch_from "$app1-app1" http://169.254.253.7:9007/p7)
        echo "obs  the same server from inside app1's Pod: $r"
        r=$(fetch_from "$db-db" http://169.254.253.7:9008/p7)
        echo "obs  undeclared port, server on 0.0.0.0: db -> 169.254.253.7:9008 $r (reaches the stand-in, the Pod IP; a real ClusterIP forwards declared ports only)"

        # ICMP to a peer's preset address.
        out=$(pm exec "$db-db" ping -c 1 -W 2 169.254.253.7 2>&1 | grep -E 'bytes from|packets' | head -2 | tr '\n' ' ')
        echo "obs  ICMP db -> 169.254.253.7: $out(DNATed to the stand-in Pod IP, which answers; a real ClusterIP does not)"

        # The second replica of app2 is not behind the name: it still serves on its Pod IP.
        if [ -n "$app2b" ]; then
            r=$(fetch_from "$db-db" "http://$(pod_ip "$name" "$app2b"):8011/")
            echo "obs  app2 replica 2 ($app2b) on its Pod IP: $r; app2.$SPLIT_NS.svc resolves to replica 1 only"
        fi
    } >"$LOGS/$name/limits.txt" 2>&1
    sed 's/^/  /' "$LOGS/$name/limits.txt"
    return $rc
}

# --- the entry point ---------------------------------------------------------------------------

# split_compare NAME DIR: the matrices must agree.
split_compare() {
    local name=$1 dir=$2
    sp compare "$dir/compose.yaml" "$LOGS/$name.compose.log" "$LOGS/$name/plan" "$LOGS/$name"
}

test_split() {
    local t=$SECONDS dir="$SPLIT_DIR/seed" name=split-seed
    log "split strategy: seed as one Pod per Deployment replica (app2 x2)"
    check "split: init image ($SPLIT_IPTABLES iptables, ip, getent) built from Debian's binaries" split_setup
    [ -n "$SPLIT_READY" ] || return
    check "split: iptables -t nat works in the init image with NET_ADMIN only" init_image_works
    check "$name: docker compose run" run_compose "$name" "$dir"
    PODLIFT_CONVERT_ARGS="--strategy split --kube-version 1.28 --init-image $SPLIT_INIT_IMAGE -f $dir/replicas.yaml" \
        check "$name: podlift convert --strategy split" convert "$name" "$dir/compose.yaml"
    check "$name: Pods from the Deployments" split_pods "$name" "$LOGS/$name.podlift.yaml" "${SPLIT_POD_FLAGS[@]}"
    check "$name: split run (4 Pods)" split_run "$name" split_hook
    check "$name: every Pod's init container applied the whole address map" \
        sp init-applied "$LOGS/$name/plan" "$LOGS/$name"
    check "$name: compose and split matrices agree" split_compare "$name" "$dir"
    log "negative control: the same Pods with an emptied address map"
    check "split-no-out: Pods with the address map emptied" split_pods split-no-out "$LOGS/$name.podlift.yaml" --no-out "${SPLIT_POD_FLAGS[@]}"
    check "split-no-out: split run" split_run split-no-out
    check "split-no-out: every Pod's init container read the emptied map" \
        sp init-applied "$LOGS/split-no-out/plan" "$LOGS/split-no-out" --empty
    check "split-no-out: cross-Pod probes of preset addresses fail; same-Pod probes and names (Services) answer" \
        sp cross-fails "$dir/compose.yaml" "$LOGS/split-no-out/plan" "$LOGS/split-no-out"
    log "split took $((SECONDS - t))s"
}

# run.sh split-names: every kind of name (service name, container_name, hostname, network
# aliases) across two Pods, against Docker Compose v2, where Docker's DNS answers all of them.
test_split_names() {
    local name=split-names dir="$SPLIT_DIR/names"
    log "split: every kind of name across Pods"
    check "split: setup" split_setup
    [ -n "$SPLIT_READY" ] || return
    check "$name: docker compose run" run_compose "$name" "$dir"
    PODLIFT_CONVERT_ARGS="--strategy split --kube-version 1.28 --init-image $SPLIT_INIT_IMAGE" \
        check "$name: podlift convert --strategy split" convert "$name" "$dir/compose.yaml"
    check "$name: Pods from the Deployments" split_pods "$name" "$LOGS/$name.podlift.yaml" "${SPLIT_POD_FLAGS[@]}"
    check "$name: split run (2 Pods)" split_run "$name"
    check "$name: compose and split matrices agree" \
        sp compare "$dir/compose.yaml" "$LOGS/$name.compose.log" "$LOGS/$name/plan" "$LOGS/$name"
}

# run.sh split-no-route: the split Pods without the harness's default route. Shows why the
# harness adds one: with no route to a preset address, connect() fails (ENETUNREACH) before the
# OUTPUT chain, so PODLIFT-OUT is never consulted. Every Kubernetes Pod has a default route.
test_split_no_route() {
    log "split Pods without a default route"
    check "split: setup" split_setup
    [ -n "$SPLIT_READY" ] || return
    PODLIFT_CONVERT_ARGS="--strategy split --kube-version 1.28 --init-image $SPLIT_INIT_IMAGE -f $SPLIT_DIR/seed/replicas.yaml" \
        check "split-no-route: podlift convert --strategy split" convert split-seed "$SPLIT_DIR/seed/compose.yaml"
    check "split-no-route: Pods without the default route" split_pods split-no-route "$LOGS/split-seed.podlift.yaml" --no-route "${SPLIT_POD_FLAGS[@]}"
    check "split-no-route: split run" split_run split-no-route
    check "split-no-route: cross-Pod probes of preset addresses fail; same-Pod probes and names (Services) answer" \
        sp cross-fails "$SPLIT_DIR/seed/compose.yaml" "$LOGS/split-no-route/plan" "$LOGS/split-no-route"
}

# run.sh split-shared-port: two servers of one Pod (x-podlift group) on one port, each bound to
# its own preset address (--allow-shared-port). podlift gives the later one (b) a stand-in port
# (40000): Service b maps 8080 to targetPort 40000, and PODLIFT-IN sends 40000 to b's address.
# The harness's usual ClusterIP stand-in (the Pod IP) cannot map a port, so this scenario runs
# with a kube-proxy stand-in (kube_proxy, split.py --service-ips). c must reach b (see README).
test_split_shared_port() {
    local name=split-shared-port dir="$SPLIT_DIR/shared-port"
    log "split: two servers of one Pod on one port, each on its own preset address"
    check "split: setup" split_setup
    [ -n "$SPLIT_READY" ] || return
    check "$name: docker compose run" run_compose "$name" "$dir"
    PODLIFT_CONVERT_ARGS="--strategy split --kube-version 1.28 --init-image $SPLIT_INIT_IMAGE --allow-shared-port 8080" \
        check "$name: podlift convert --strategy split" convert "$name" "$dir/compose.yaml"
    check "$name: Pods from the Deployments" split_pods "$name" "$LOGS/$name.podlift.yaml" --service-ips "${SPLIT_POD_FLAGS[@]}"
    check "$name: kube-proxy stand-in (ClusterIP:port -> Pod IP:targetPort)" kube_proxy "$name"
    check "$name: split run" split_run "$name"
    kube_proxy_down "$name"
    check "$name: compose and split matrices agree" \
        sp compare "$dir/compose.yaml" "$LOGS/$name.compose.log" "$LOGS/$name/plan" "$LOGS/$name"
}

# auto_groups NAME WANT: the Pods of $LOGS/NAME/plan, as "DEPLOYMENT=C1,C2 ..." sorted (bytes), must be
# WANT (the grouping --strategy auto must choose).
auto_groups() {
    local got
    got=$(awk '{ print $3 "=" $5 }' "$LOGS/$1/plan" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
    echo "  Pods: $got"
    [ "$got" = "$2" ] || { echo "  expected: $2"; return 1; }
}

# auto_pod_refuses COMPOSE: the clash is real: the strict one-Pod strategy stops on it.
auto_pod_refuses() {
    local err rc=0
    err=$(timeout 30 "$PODLIFT" convert -f "$1" --strategy pod --kube-version 1.28 2>&1 >/dev/null) || rc=$?
    grep -m1 'port-conflict' <<<"$err" | sed 's/^ */  /'
    [ "$rc" != 0 ] && grep -q 'error\[port-conflict\]' <<<"$err"
}

# run.sh auto-port-clash: issue 16's proof. An application whose a and b both serve
# 0.0.0.0:8080, converted with the defaults (no --strategy: auto). podlift must make two Pods
# (a, c, d and b; d declares no port and stays in the largest Pod), say why, and every service
# must reach every other by address and by name as under Docker Compose v2.
test_auto_port_clash() {
    local name=auto-port-clash dir="$SPLIT_DIR/auto-port-clash"
    log "auto: a port clash converted with the defaults"
    check "split: setup" split_setup
    [ -n "$SPLIT_READY" ] || return
    check "$name: docker compose run" run_compose "$name" "$dir"
    # The defaults; only the harness's init image (built here, never pulled) and 1.28 (podman
    # 4.3 runs no native sidecars) are given.
    PODLIFT_CONVERT_ARGS="--kube-version 1.28 --init-image $SPLIT_INIT_IMAGE" \
        check "$name: podlift convert (default strategy)" convert "$name" "$dir/compose.yaml"
    check "$name: podlift says why the second Pod exists (note[auto-split] on 8080/tcp)" \
        grep -q 'note\[auto-split\]: services `a` and `b` both listen on `8080/tcp`' "$LOGS/$name.podlift.err"
    check "$name: --strategy pod refuses it (port-conflict on 8080)" auto_pod_refuses "$dir/compose.yaml"
    check "$name: Pods from the Deployments" split_pods "$name" "$LOGS/$name.podlift.yaml" "${SPLIT_POD_FLAGS[@]}"
    # The larger Pod keeps the project's name (README, "Names that stay across releases").
    check "$name: two Pods, a+c+d and b" auto_groups "$name" "auto-port-clash-b=b auto-port-clash=a,c,d"
    check "$name: run (2 Pods)" split_run "$name"
    check "$name: every Pod's init container applied the whole address map" \
        sp init-applied "$LOGS/$name/plan" "$LOGS/$name"
    check "$name: compose and auto matrices agree" \
        sp compare "$dir/compose.yaml" "$LOGS/$name.compose.log" "$LOGS/$name/plan" "$LOGS/$name"
}

# --- start order across Pods --------------------------------------------------------------------

# start_late NAME: app's Pod first, db's 20 s later. While db's Pod is missing, app's
# podlift-wait init container must log its attempts and app's container must not have started;
# once db's Pod is up, app must start and reach db by name and by preset address.
start_late() {
    local name=$1 dir="$LOGS/$1" app db play rc=0 out
    app=$(pod_of "$name" start-late-app) db=$(pod_of "$name" start-late-db)
    [ -n "$app" ] && [ -n "$db" ] || { echo "  no app or db Pod in $dir/plan"; return 1; }
    # In the background: kube play may hold until the Pod's init containers have finished.
    PM_TIMEOUT=180 pm kube play --network "$SPLIT_NET" --ip "$(pod_ip "$name" "$app")" "$dir/$app.yaml" \
        >"$dir/$app.play.log" 2>&1 &
    play=$!
    sleep 20
    out=$(pm logs "$app-podlift-wait" 2>&1 | grep -v syslog)
    sed 's/^/  wait: /' <<<"$out"
    if grep -q "^podlift: Service db port 8042 does not answer yet" <<<"$out"; then
        echo "  ok   after 20 s without db's Pod, app's Pod still waits for Service db port 8042"
    else
        echo "  FAIL app's podlift-wait logged no attempt on Service db port 8042"; rc=1
    fi
    if pm logs "$app-app" 2>/dev/null | grep -q '^EVENT app start'; then
        echo "  FAIL app's container started before db's Pod existed"; rc=1
    else
        echo "  ok   app's container has not started"
    fi
    pm kube play --network "$SPLIT_NET" --ip "$(pod_ip "$name" "$db")" "$dir/$db.yaml" >"$dir/$db.play.log" 2>&1 \
        || { echo "  kube play $db failed:"; grep -v syslog "$dir/$db.play.log" | sed 's/^/    /'; rc=1; }
    wait "$play" || { echo "  kube play $app failed:"; grep -v syslog "$dir/$app.play.log" | sed 's/^/    /'; rc=1; }
    wait_logs pod_containers "$app" "$dir/$app.log" '^DONE.app$' || rc=1
    wait_logs pod_containers "$db" "$dir/$db.log" '^DONE.db$' || rc=1
    out=$(pm logs "$app-podlift-wait" 2>&1 | grep -v syslog)
    grep "answers through" <<<"$out" | sed 's/^/  wait: /'
    grep -E '^(EVENT|PROBE|DONE)' "$dir/$app.log" | sed 's/^/  app: /'
    for target in db:8042 169.254.253.42:8042; do
        if grep -q "^PROBE app -> $target ok db$" "$dir/$app.log"; then echo "  ok   app -> $target answered by db"
        else echo "  FAIL app -> $target did not reach db"; rc=1; fi
    done
    pod_down "$app" "$dir/$app.yaml"
    pod_down "$db" "$dir/$db.yaml"
    wait_pods_down
    return $rc
}

# start_early NAME: the negative control: app's Pod alone, without the wait (`x-podlift.wait:
# false`). Its container starts at once, and after its probes' 10 s it gives up on db.
start_early() {
    local name=$1 dir="$LOGS/$1" app rc=0
    app=$(pod_of "$name" start-late-app)
    [ -n "$app" ] || { echo "  no app Pod in $dir/plan"; return 1; }
    grep -q 'podlift-wait' "$dir/$app.yaml" && { echo "  FAIL app's Pod still has podlift-wait"; rc=1; }
    pm kube play --network "$SPLIT_NET" --ip "$(pod_ip "$name" "$app")" "$dir/$app.yaml" >"$dir/$app.play.log" 2>&1 \
        || { echo "  kube play $app failed:"; grep -v syslog "$dir/$app.play.log" | sed 's/^/    /'; rc=1; }
    [ $rc = 0 ] && { wait_logs pod_containers "$app" "$dir/$app.log" '^DONE.app$' || rc=1; }
    grep -E '^(EVENT|PROBE|DONE)' "$dir/$app.log" | sed 's/^/  app: /'
    grep -q '^PROBE app -> db:8042 fail$' "$dir/$app.log" \
        && echo "  ok   without the wait app starts at once and does not reach db" \
        || { echo "  FAIL expected app's probe of db:8042 to fail"; rc=1; }
    pod_down "$app" "$dir/$app.yaml"
    wait_pods_down
    return $rc
}

# run.sh split-start-late: issue 27's start order across Pods (split/start-late/compose.yaml).
test_split_start_late() {
    local name=split-start-late dir="$SPLIT_DIR/start-late"
    log "split: a dependent whose peer's Pod starts late waits for it"
    check "split: setup" split_setup
    [ -n "$SPLIT_READY" ] || return
    PODLIFT_CONVERT_ARGS="--strategy split --kube-version 1.28 --init-image $SPLIT_INIT_IMAGE" \
        check "$name: podlift convert --strategy split" convert "$name" "$dir/compose.yaml"
    check "$name: Pods from the Deployments" split_pods "$name" "$LOGS/$name.podlift.yaml" "${SPLIT_POD_FLAGS[@]}"
    check "$name: app waits for db's late Pod, then runs and reaches db" start_late "$name"
    log "negative control: the same app Pod without the wait"
    PODLIFT_CONVERT_ARGS="--strategy split --kube-version 1.28 --init-image $SPLIT_INIT_IMAGE -f $dir/no-wait.yaml" \
        check "split-start-early: podlift convert (x-podlift.wait: false)" convert split-start-early "$dir/compose.yaml"
    check "split-start-early: Pods from the Deployments" split_pods split-start-early "$LOGS/split-start-early.podlift.yaml" "${SPLIT_POD_FLAGS[@]}"
    check "split-start-early: without the wait app starts at once and misses db" start_early split-start-early
}
