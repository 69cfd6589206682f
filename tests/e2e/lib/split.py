#!/usr/bin/env python3
"""Helpers for the split-strategy end-to-end test (tests/e2e/lib/split.sh).

podman runs no Services, so the harness stands in for the cluster:
  * every Deployment replica becomes a bare Pod (restartPolicy Never, as in e2e.py podify)
    with a static IP on one --internal network;
  * every Service name `SERVICE.NAMESPACE.svc` resolves (hostAliases) to the IP of the first
    replica of the Deployment its selector matches: the "ClusterIP" is that Pod's IP;
  * a first init container `e2e-route` gives the Pod the default route every Kubernetes Pod has
    (podman's internal networks have none, and without a route to a preset address connect()
    fails before the OUTPUT DNAT rule is consulted). Its gateway is an address nobody holds on
    the internal network, so anything not translated goes nowhere (no ARP answer).

Subcommands:
  pods IN OUTDIR PREFIX NAMESPACE IMAGE [--no-out] [--no-route] [--literal-namespace]
        podlift's YAML stream -> OUTDIR/POD.yaml per replica; prints "POD IP DEPLOYMENT INDEX CONTAINER,..."
        --no-out: without the `iptables -t nat -A PODLIFT-OUT -d` lines (negative control);
        --no-route: without the e2e-route init container (shows the default route is needed);
        --literal-namespace: PODLIFT_NAMESPACE=NAMESPACE instead of the downward API
  compare COMPOSE COMPOSE_LOG PLAN POD_LOG_DIR
        the compose matrix against every split Pod's column (replica k>1 shown as NAME#k)
  cross-fails COMPOSE PLAN POD_LOG_DIR
        negative control: every probe to another Pod's preset address (or a name for one) fails,
        every probe to the Pod's own addresses still answers
  init-script POD_YAML
        the podlift-loopback script of one Pod file
"""
import copy
import ipaddress
import os
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


def out_rule(line):
    return line.strip().startswith("iptables -t nat -A PODLIFT-OUT -d ")


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
    # The ClusterIP stand-in: each Service name -> the first Pod its selector matches.
    svc_ip = {}
    for svc in services:
        sel = svc["spec"].get("selector") or {}
        match = [p for p in pods if selects(sel, (p[4].get("metadata") or {}).get("labels") or {})]
        if not match:
            die(f"Service {svc['metadata']['name']} selects no Deployment")
        svc_ip[f"{svc['metadata']['name']}.{namespace}.svc"] = match[0][1]
        if len(match) > 1:
            print(f"split.py: Service {svc['metadata']['name']} selects {len(match)} Pods;"
                  f" its name resolves to the first, {match[0][0]} ({match[0][1]})", file=sys.stderr)
    by_ip = {}
    for name, ip in sorted(svc_ip.items()):
        by_ip.setdefault(ip, []).append(name)
    os.makedirs(outdir, exist_ok=True)
    for name, ip, dep, idx, template in pods:
        spec = copy.deepcopy(template["spec"])
        if spec.get("hostNetwork"):
            die(f"{dep}: hostNetwork: true; refusing to play it on this machine")
        spec["restartPolicy"] = "Never"
        spec["hostAliases"] = list(spec.get("hostAliases") or []) + [
            {"ip": i, "hostnames": n} for i, n in sorted(by_ip.items())]
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
        if "--no-out" in flags:
            argv = lo["command"]
            lines = argv[2].splitlines(keepends=True)
            kept_lines = [l for l in lines if not out_rule(l)]
            if len(kept_lines) == len(lines):
                die(f"{dep}: no PODLIFT-OUT rule to remove")
            lo["command"] = argv[:2] + ["".join(kept_lines)]
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
    """(own preset addresses, {name: address} from hostAliases) of one Pod file."""
    for doc in load_stream(pod_yaml):
        if doc.get("kind") == "Pod":
            own = set(filter(None, (doc["metadata"].get("annotations") or {})
                             .get(ADDR_ANNOTATION, "").split(",")))
            names = {}
            for ha in doc["spec"].get("hostAliases") or []:
                for n in ha.get("hostnames") or []:
                    names.setdefault(n, ha["ip"])
            return own, names
    die(f"{pod_yaml}: no Pod")


def cmd_cross_fails(compose_file, plan_path, logdir):
    """Negative control. Every preset address any Pod owns, probed from another Pod, must fail;
    the Pod's own addresses must still answer (the control breaks only what it removed)."""
    plan = read_plan(plan_path)
    owned = set()
    facts = {}
    for name, *_ in plan:
        facts[name] = pod_facts(os.path.join(logdir, f"{name}.yaml"))
        owned |= facts[name][0]
    cross_ok, cross_fail, own_ok, own_fail = [], [], [], []
    for name, _, _, idx in plan:
        own, names = facts[name]
        cells, _, _ = e2e.read_matrix(os.path.join(logdir, f"{name}.log"))
        for (s, t), v in sorted(cells.items()):
            host = t.rsplit(":", 1)[0]
            addr = names.get(host, host)
            if addr not in owned:
                continue  # declared by nobody (.5): fails either way, proves nothing here
            col = s if idx == 1 else f"{s}#{idx}"
            key = f"{col} -> {t}" + ("" if addr == host else f" ({addr})")
            if addr in own:
                (own_ok if v != "fail" else own_fail).append(key)
            else:
                (cross_ok if v != "fail" else cross_fail).append(key)
    print(f"  cross-Pod probes: {len(cross_fail)} failed, {len(cross_ok)} answered;"
          f" same-Pod probes: {len(own_ok)} answered, {len(own_fail)} failed")
    for k in cross_ok:
        print(f"    cross-Pod probe answered without PODLIFT-OUT: {k}")
    for k in own_fail:
        print(f"    same-Pod probe failed: {k}")
    sys.exit(0 if cross_fail and not cross_ok and own_ok and not own_fail else 1)


def cmd_init_script(pod_yaml):
    e2e.cmd_init_script(pod_yaml)


COMMANDS = {"pods": cmd_pods, "compare": cmd_compare, "cross-fails": cmd_cross_fails,
            "init-script": cmd_init_script}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        die(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
