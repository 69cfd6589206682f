#!/bin/sh
# e2e-node: what every scenario service runs (installed as /bin/e2e-node in the test image).
#
#   e2e-node [--once] NAME LISTEN [TARGET...]
#
# LISTEN is ADDR:PORT for busybox httpd (0.0.0.0:8080, 169.254.253.7:8080) or "-" for no server.
# Each TARGET is HOST:PORT (an address or a name); the node prints exactly one line per target:
#   PROBE NAME -> TARGET ok RESPONDER      (RESPONDER = the name the serving node put in its index)
#   PROBE NAME -> TARGET fail
# Failed probes are retried until all succeed or PROBE_DEADLINE seconds have passed since start,
# because peers start in an order this node does not know. Then "DONE NAME" and, unless --once
# (a one-shot job), `exec sleep 600`: a node must stay alive, its server dies with it.
# EVENT lines carry /proc/uptime (the same clock in every container) to check start order.
PROBE_DEADLINE=${PROBE_DEADLINE:-6}
once=
[ "$1" = --once ] && { once=1; shift; }
name=$1 listen=$2
shift 2

now() { cut -d' ' -f1 /proc/uptime; }
elapsed_lt() { awk -v s="$start" -v n="$(now)" -v d="$1" 'BEGIN { exit !(n - s < d) }'; }
# Not `wget -T 2`: Debian's busybox-static 1.35 wget segfaults with -T. timeout bounds it.
fetch() { timeout 2 wget -q -O - "http://$1/" 2>/dev/null; }

start=$(now)
echo "EVENT $name start $start"

if [ "$listen" != - ]; then
    mkdir -p /tmp/www && echo "$name" >/tmp/www/index.html
    httpd -f -p "$listen" -h /tmp/www &
    httpd_pid=$!
    # Wait (bounded) until our own server answers; a server that cannot bind is a crash.
    case $listen in 0.0.0.0:*) self=127.0.0.1:${listen#0.0.0.0:} ;; *) self=$listen ;; esac
    i=0
    until [ "$(fetch "$self")" = "$name" ]; do
        if ! kill -0 "$httpd_pid" 2>/dev/null; then
            echo "SERVE $name $listen crashed"
            exit 1
        fi
        i=$((i + 1))
        [ $i -gt 50 ] && { echo "SERVE $name $listen not answering"; exit 1; }
        sleep 0.1
    done
    echo "SERVE $name $listen up"
fi

# Probe rounds: results[i] stays empty until target i answered.
n=$#
pending=$n
while :; do
    i=0
    for t in "$@"; do
        i=$((i + 1))
        eval "r=\${res_$i:-}"
        [ -n "$r" ] && continue
        body=$(fetch "$t") && [ -n "$body" ] && { eval "res_$i=\$body"; pending=$((pending - 1)); }
    done
    [ $pending -eq 0 ] && break
    elapsed_lt "$PROBE_DEADLINE" || break
    sleep 0.3
done

# A one-shot job takes a second of "work", so that a dependent started too early (not after
# the job completed) is visible in the EVENT times.
[ -n "$once" ] && sleep 1

i=0
for t in "$@"; do
    i=$((i + 1))
    eval "r=\${res_$i:-}"
    if [ -n "$r" ]; then echo "PROBE $name -> $t ok $r"; else echo "PROBE $name -> $t fail"; fi
done
echo "EVENT $name done $(now)"
echo "DONE $name"

if [ -n "$once" ]; then
    [ -n "${httpd_pid:-}" ] && kill "$httpd_pid"
    exit 0
fi
exec sleep 600
