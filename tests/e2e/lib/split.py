#!/usr/bin/env python3
"""Helpers for the split-strategy end-to-end test (tests/e2e/lib/split.sh).

podman runs no Services, so the harness stands in for the cluster:
  * every Deployment replica becomes a bare Pod (restartPolicy Never, as in e2e.py podify)
    with a static IP on one --internal network;
  * the cluster's DNS: every Service's names `SERVICE.NAMESPACE.svc` (what the init script
    asks for) and bare `SERVICE` (what a container asks for, through the search domain) resolve
    (hostAliases) to the IP of the first replica of the Deployment its selector matches: the
    "ClusterIP" is that Pod's IP. They come after podlift's own hostAliases, and a name the Pod's
    own hostAliases already give is not added again (/etc/hosts is read before the DNS);
  * a first init container `e2e-route` gives the Pod the default route every Kubernetes Pod has
    (podman's internal networks have none, and without a route to a preset address connect()
    fails before the OUTPUT DNAT rule is consulted). Its gateway is an address nobody holds on
    the internal network, so anything not translated goes nowhere (no ARP answer).

Subcommands:
  pods IN OUTDIR PREFIX NAMESPACE IMAGE [--no-out] [--no-route] [--literal-namespace]
        podlift's YAML stream -> OUTDIR/POD.yaml per replica; prints "POD IP DEPLOYMENT INDEX CONTAINER,..."
        --no-out: the address map (ConfigMap) emptied down to its `#` lines (negative control:
                  the init container then sends no address of another Pod to its Service);
        --no-route: without the e2e-route init container (shows the default route is needed);
        --literal-namespace: PODLIFT_NAMESPACE=NAMESPACE instead of the downward API
        --service-ips: every Service gets a stand-in ClusterIP of its own (10.254.252.100 + k)
                  instead of its Pod's IP, and OUTDIR/services lists the kube-proxy rules
                  "CLUSTER_IP PROTO PORT POD_IP TARGET_PORT" (split.sh kube_proxy plays them):
                  needed where a Service's targetPort differs from its port
  compare COMPOSE COMPOSE_LOG PLAN POD_LOG_DIR
        the compose matrix against every split Pod's column (replica k>1 shown as NAME#k)
  cross-fails COMPOSE PLAN POD_LOG_DIR
        negative control: every probe to another Pod's preset address fails, every probe to the
        Pod's own addresses (or own names) still answers, and every probe by a peer's name (which
        goes to the peer's Service, not through the map) still answers
  init-applied PLAN POD_LOG_DIR [--empty]
        every Pod's init container sent each map address it does not own to a Service (with
        --empty: none, the map was emptied); shows every Pod got the map it was played with
  address-map POD_YAML
        the address map (ConfigMap data `addresses`) of one Pod file
  init-script POD_YAML
        the podlift-loopback script of one Pod file
"""
import copy
import ipaddress
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (read_matrix, render, namespace_guest_names, ...)

LOOPBACK_INIT = e2e.LOOPBACK_INIT
ADDR_ANNOTATION = "podlift.io/loopback-addresses"
# The Pods' network (split.sh creates it): Pod IPs from .10, the dead gateway is .254.
POD_SUBNET = ipaddress.ip_network("10.254.252.0/24")
FIRST_POD_HOST = 10
DEAD_GATEWAY = "10.254.252.254"
# --service-ips: Service k's stand-in ClusterIP is .(100 + k), held by the kube-proxy stand-in.
FIRST_SERVICE_HOST = 100
# Peers are played one after another: give every node time to see the last one start.
PROBE_DEADLINE = "10"


def die(msg):
    print(f"split.py: {msg}", file=sys.stderr)
    sys.exit(1)


def load_stream(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


ADDRESS_MAP_VOLUME = "podlift-address-map"
ADDRESS_MAP_KEY = "addresses"


def address_map_name(template):
    """The ConfigMap the Pod template mounts as the address map."""
    for vol in (template.get("spec") or {}).get("volumes") or []:
        if vol.get("name") == ADDRESS_MAP_VOLUME and "configMap" in vol:
            return vol["configMap"]["name"]
    return None


def map_entries(text):
    """The address lines of a map (no comments, no blanks): [(address, service), ...]."""
    out = []
    for line in text.splitlines():
        f = line.split()
        if f and not f[0].startswith("#"):
            out.append((f[0], f[1]))
    return out


def route_init(image):
    """The stand-in for the Pod's default route (see the module doc)."""
    return {
        "name": "e2e-route",
        "image": image,
        "command": ["sh", "-c", f"ip route replace default via {DEAD_GATEWAY} dev eth0 onlink && ip route"],
        "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}},
    }


def cmd_pods(src, outdir, prefix, namespace, image, *flags):
    docs = load_stream(src)
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    services = [d for d in docs if d.get("kind") == "Service"]
    kept = [d for d in docs if d.get("kind") in ("ConfigMap", "Secret")]
    if not deployments:
        die(f"{src}: no Deployment")
    hosts = iter(list(POD_SUBNET.hosts())[FIRST_POD_HOST - 1:])
    pods = []  # (pod name, ip, deployment name, replica index, template)
    for dep in deployments:
        n = int(dep["spec"].get("replicas", 1))
        for i in range(1, n + 1):
            suffix = "" if n == 1 else f"-{i}"
            pods.append((f"{prefix}-{dep['metadata']['name']}{suffix}", str(next(hosts)),
                         dep["metadata"]["name"], i, dep["spec"]["template"]))
    # The ClusterIP stand-in: each Service name -> the first Pod its selector matches; with
    # --service-ips, an address of its own held by the kube-proxy stand-in (see below).
    svc_ip = {}
    proxy_rules = []
    for k, svc in enumerate(services):
        sel = svc["spec"].get("selector") or {}
        match = [p for p in pods if selects(sel, (p[4].get("metadata") or {}).get("labels") or {})]
        if not match:
            die(f"Service {svc['metadata']['name']} selects no Deployment")
        cluster_ip = match[0][1]
        if "--service-ips" in flags:
            cluster_ip = str(POD_SUBNET.network_address + FIRST_SERVICE_HOST + k)
            for port in svc["spec"].get("ports") or []:
                target = port.get("targetPort", port["port"])
                if not isinstance(target, int):
                    die(f"Service {svc['metadata']['name']}: named targetPort {target!r}")
                proxy_rules.append(f"{cluster_ip} {port.get('protocol', 'TCP').lower()} "
                                   f"{port['port']} {match[0][1]} {target}")
        svc_ip[f"{svc['metadata']['name']}.{namespace}.svc"] = cluster_ip
        # The bare name too: a container's lookup of `SERVICE` goes through the search domain
        # NAMESPACE.svc.cluster.local to the same ClusterIP.
        svc_ip[svc["metadata"]["name"]] = cluster_ip
        if len(match) > 1:
            print(f"split.py: Service {svc['metadata']['name']} selects {len(match)} Pods;"
                  f" its name resolves to the first, {match[0][0]} ({match[0][1]})", file=sys.stderr)
    if "--no-out" in flags:
        emptied = 0
        for d in kept:
            if d.get("kind") == "ConfigMap" and ADDRESS_MAP_KEY in (d.get("data") or {}):
                text = d["data"][ADDRESS_MAP_KEY]
                if not map_entries(text):
                    die(f"ConfigMap {d['metadata']['name']}: no address to remove")
                d["data"][ADDRESS_MAP_KEY] = "".join(
                    l for l in text.splitlines(keepends=True) if l.lstrip().startswith("#"))
                emptied += 1
        if emptied != 1:
            die(f"expected one address-map ConfigMap, found {emptied}")
    os.makedirs(outdir, exist_ok=True)
    if "--service-ips" in flags:
        with open(os.path.join(outdir, "services"), "w") as f:
            f.writelines(r + "\n" for r in proxy_rules)
    for name, ip, dep, idx, template in pods:
        spec = copy.deepcopy(template["spec"])
        if spec.get("hostNetwork"):
            die(f"{dep}: hostNetwork: true; refusing to play it on this machine")
        spec["restartPolicy"] = "Never"
        own_aliases = list(spec.get("hostAliases") or [])
        own_names = {n for ha in own_aliases for n in ha.get("hostnames") or []}
        by_ip = {}
        for n, i in sorted(svc_ip.items()):
            if n not in own_names:
                by_ip.setdefault(i, []).append(n)
        spec["hostAliases"] = own_aliases + [{"ip": i, "hostnames": n} for i, n in sorted(by_ip.items())]
        inits = spec.get("initContainers") or []
        loop = [c for c in inits if c.get("name") == LOOPBACK_INIT]
        if len(loop) != 1:
            die(f"{dep}: expected one init container {LOOPBACK_INIT}")
        lo = loop[0]
        if "--literal-namespace" in flags:
            for env in lo.get("env") or []:
                if env.get("name") == "PODLIFT_NAMESPACE":
                    env.pop("valueFrom", None)
                    env["value"] = namespace
        # A Pod that claims every mapped address itself mounts no map (it sends nothing on).
        map_name = address_map_name(template)
        if map_name is not None and not any(
                d.get("kind") == "ConfigMap" and d["metadata"]["name"] == map_name for d in kept):
            die(f"{dep}: mounts no address map that the output holds (volume {ADDRESS_MAP_VOLUME}: {map_name})")
        if "--no-route" not in flags:
            inits = [route_init(image)] + inits
        spec["initContainers"] = inits
        for c in spec.get("containers") or []:
            # podman 4.3 kube play publishes every containerPort on the host (hostPort = port):
            # the second replica then fails with "bind: address already in use". containerPorts
            # are informational in Kubernetes; the Service (the stand-in) needs none of them.
            c.pop("ports", None)
            c["env"] = [e for e in c.get("env") or [] if e.get("name") != "PROBE_DEADLINE"] + [
                {"name": "PROBE_DEADLINE", "value": PROBE_DEADLINE}]
        pod = e2e.pod_of(name, template, spec)
        with open(os.path.join(outdir, f"{name}.yaml"), "w") as f:
            yaml.safe_dump_all(kept + [pod], f, sort_keys=False)
        print(name, ip, dep, idx, ",".join(c["name"] for c in spec.get("containers") or []))


def read_plan(path):
    plan = []
    with open(path) as f:
        for line in f:
            if line.strip():
                name, ip, dep, idx, _ = line.split()
                plan.append((name, ip, dep, int(idx)))
    if not plan:
        die(f"{path}: no Pods (an empty plan proves nothing)")
    return plan


def pod_matrix(plan, logdir):
    """All Pods' probes in one matrix; replica k>1 of a Deployment probes as NAME#k."""
    cells, froms, targets = {}, [], []
    for name, _, _, idx in plan:
        c, f, t = e2e.read_matrix(os.path.join(logdir, f"{name}.log"))
        for (s, tgt), v in c.items():
            col = s if idx == 1 else f"{s}#{idx}"
            if (col, tgt) in cells:
                die(f"{col} -> {tgt} probed twice")
            cells[(col, tgt)] = v
            if col not in froms:
                froms.append(col)
            if tgt not in targets:
                targets.append(tgt)
    return cells, froms, targets


def cmd_compare(compose_file, compose_log, plan_path, logdir):
    doc = e2e.load_compose(compose_file)
    guests = e2e.namespace_guest_names(doc)
    cc, cf, ct = e2e.read_matrix(compose_log)
    pc, pf, pt = pod_matrix(read_plan(plan_path), logdir)
    froms = [s for s in doc["services"] if s in cf]
    pfroms = [s for s in doc["services"] if s in pf] + [s for s in pf if "#" in s]
    targets = ct + [t for t in pt if t not in ct]
    print(e2e.render(e2e.REFERENCE_TITLE, cc, froms, targets))
    print(e2e.render("split (one Pod per Deployment replica, podman kube play):", pc, pfroms, targets))
    known, bad = [], []
    if not cc or not pc:
        bad.append(f"no PROBE lines (compose: {len(cc)}, split: {len(pc)})")
    for s in doc["services"]:
        for col in [s] + [p for p in pfroms if p.startswith(f"{s}#")]:
            for t in targets:
                c, p = cc.get((s, t)), pc.get((col, t))
                if c is None and p is None:
                    continue
                if c is None or p is None:
                    bad.append(f"{col} -> {t}: missing (compose={c}, split={p})")
                elif c != p:
                    host = t.rsplit(":", 1)[0]
                    line = f"{col} -> {t}: compose={e2e.show(c)} split={e2e.show(p)}"
                    if c == "fail" and p != "fail" and host in guests:
                        known.append(line + " (network_mode guest name)")
                    else:
                        bad.append(line)
    for title, items in (("known differences (not failures)", known), ("UNEXPECTED differences", bad)):
        if items:
            print(f"  {title}:")
            for i in items:
                print(f"    {i}")
    sys.exit(1 if bad else 0)


def pod_facts(pod_yaml):
    """(own preset addresses, {name: address} from hostAliases, the address map's text or None
    when the Pod mounts none) of one Pod file."""
    docs = load_stream(pod_yaml)
    for doc in docs:
        if doc.get("kind") == "Pod":
            own = set(filter(None, (doc["metadata"].get("annotations") or {})
                             .get(ADDR_ANNOTATION, "").split(",")))
            names = {}
            for ha in doc["spec"].get("hostAliases") or []:
                for n in ha.get("hostnames") or []:
                    names.setdefault(n, ha["ip"])
            map_name = address_map_name(doc)
            if map_name is None:
                return own, names, None
            maps = [d["data"].get(ADDRESS_MAP_KEY, "") for d in docs
                    if d.get("kind") == "ConfigMap" and d["metadata"]["name"] == map_name]
            if len(maps) != 1:
                die(f"{pod_yaml}: expected the address map {map_name} once, found {len(maps)}")
            return own, names, maps[0]
    die(f"{pod_yaml}: no Pod")


def cmd_cross_fails(compose_file, plan_path, logdir):
    """Negative control. Every preset address any Pod owns, probed from another Pod, must fail;
    the Pod's own addresses and names must still answer (the control breaks only what it
    removed); a peer's name resolves to its Service (the stand-in: a Pod IP), not through the
    address map, so those probes must still answer too."""
    plan = read_plan(plan_path)
    owned, pod_ips = set(), {}
    facts = {}
    for name, ip, *_ in plan:
        facts[name] = pod_facts(os.path.join(logdir, f"{name}.yaml"))
        owned |= facts[name][0]
        pod_ips[ip] = name
    cross_ok, cross_fail, own_ok, own_fail, svc_ok, svc_fail = [], [], [], [], [], []
    for name, _, _, idx in plan:
        own, names, _ = facts[name]
        cells, _, _ = e2e.read_matrix(os.path.join(logdir, f"{name}.log"))
        for (s, t), v in sorted(cells.items()):
            host = t.rsplit(":", 1)[0]
            addr = names.get(host, host)
            col = s if idx == 1 else f"{s}#{idx}"
            key = f"{col} -> {t}" + ("" if addr == host else f" ({addr})")
            if addr in pod_ips and addr != host:
                # By name, through a Service: the map plays no part.
                (svc_ok if v != "fail" else svc_fail).append(key)
                continue
            if addr not in owned:
                continue  # declared by nobody (.5): fails either way, proves nothing here
            if addr in own:
                (own_ok if v != "fail" else own_fail).append(key)
            else:
                (cross_ok if v != "fail" else cross_fail).append(key)
    print(f"  cross-Pod probes of preset addresses: {len(cross_fail)} failed, {len(cross_ok)} answered;"
          f" same-Pod probes: {len(own_ok)} answered, {len(own_fail)} failed;"
          f" cross-Pod probes by name (Service): {len(svc_ok)} answered, {len(svc_fail)} failed")
    for k in cross_ok:
        print(f"    cross-Pod probe of a preset address answered: {k}")
    for k in own_fail:
        print(f"    same-Pod probe failed: {k}")
    for k in svc_fail:
        print(f"    cross-Pod probe by name (through the Service) failed: {k}")
    ok = cross_fail and not cross_ok and own_ok and not own_fail and svc_ok and not svc_fail
    sys.exit(0 if ok else 1)


def cmd_init_applied(plan_path, logdir, *flags):
    """Each Pod's init container reported as many translated addresses as its map has addresses
    it does not own (with --empty: zero, and the map must have none). Every Pod file carries the
    same ConfigMap and podman plays it under one name each time: this shows each Pod read the map
    it was played with, not a volume left by an earlier Pod or run."""
    bad = []
    for name, *_ in read_plan(plan_path):
        own, _, text = pod_facts(os.path.join(logdir, f"{name}.yaml"))
        with open(os.path.join(logdir, f"{name}.log")) as f:
            got = re.findall(r"^podlift: (\d+) addresses of other Pods sent to their Services$",
                             f.read(), re.M)
        if text is None:
            # It claims every mapped address: no map, nothing to send on.
            print(f"  {name}: mounts no address map; init container sent {got or 'nothing'}")
            if got:
                bad.append(f"{name}: mounts no map but its init container sent {got}")
            continue
        entries = map_entries(text)
        if "--empty" in flags and entries:
            bad.append(f"{name}: its map still lists {len(entries)} addresses")
        want = len([a for a, _ in entries if a not in own])
        line = f"{name}: map of {len(entries)} addresses, {len(own)} own; init container sent {got or 'nothing'}"
        print(f"  {line}")
        if got != [str(want)]:
            bad.append(f"{line}, expected [{want}]")
    for b in bad:
        print(f"    FAIL {b}")
    sys.exit(1 if bad else 0)


def cmd_address_map(pod_yaml):
    text = pod_facts(pod_yaml)[2]
    if text is None:
        die(f"{pod_yaml}: the Pod mounts no address map")
    sys.stdout.write(text)


def cmd_init_script(pod_yaml):
    e2e.cmd_init_script(pod_yaml)


COMMANDS = {"pods": cmd_pods, "compare": cmd_compare, "cross-fails": cmd_cross_fails,
            "init-applied": cmd_init_applied, "address-map": cmd_address_map,
            "init-script": cmd_init_script}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        die(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
