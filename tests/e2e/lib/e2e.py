#!/usr/bin/env python3
"""Helpers for tests/e2e/run.sh: reading compose files, adapting podlift's output to
podman 4.3, and turning PROBE log lines into reachability matrices.

Subcommands (each prints to stdout, diagnostics to stderr, exit 1 on a failed check):
  networks COMPOSE            "NAME SUBNET" per network; refuses files that could reach out
  images COMPOSE...           every image name the files use
  services COMPOSE            service names
  oneshots COMPOSE            services others wait for with service_completed_successfully
  podify IN OUT NAME [--no-loopback] [--no-copy-up]
                              podlift's YAML stream -> one bare Pod that podman 4.3 can play
  init-script POD             the loopback init container's shell script
  compare COMPOSE COMPOSE_LOG POD_LOG [EXPECTED_DIFF]
                              both matrices, differences classified; exit 1 on unexpected ones
  matrix LOG                  the matrix of one log
  order LOG FIRST LATER...    FIRST finished before each LATER started (EVENT lines)
  probe-fails LOG PREFIX      exit 0 iff at least one probe to a target starting with PREFIX failed
"""
import ipaddress
import re
import sys

import yaml

LOOPBACK_INIT = "podlift-loopback"
# podman 4.3 removes init containers after they ran unless this is set; we want their logs.
INIT_ALWAYS = {"io.podman.annotations.init.container.type": "always"}
PROBE_RE = re.compile(r"^PROBE (\S+) -> (\S+) (ok|fail)(?: (\S+))?\s*$")
EVENT_RE = re.compile(r"^EVENT (\S+) (start|done) ([0-9.]+)\s*$")
# The reference: the compose file as written, the original deployment (run.sh side a).
REFERENCE_TITLE = "compose (Docker Compose v2 + Docker Engine):"


def die(msg):
    print(f"e2e.py: {msg}", file=sys.stderr)
    sys.exit(1)


def load_compose(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        die(f"{path}: no services")
    return doc


def service_networks(svc):
    nets = svc.get("networks") or {}
    if isinstance(nets, list):
        return {n: {} for n in nets}
    return {n: (v or {}) for n, v in nets.items()}


# --- compose file facts -------------------------------------------------------------------

def cmd_networks(path):
    """Each network with the subnet the harness must create it with (always --internal).

    Safety: a service on no network would land on compose's default network, which is not
    internal and routes out; a non-external network would be created by compose without
    --internal. Both are refused, so preset addresses never leave a namespace."""
    doc = load_compose(path)
    declared = doc.get("networks") or {}
    for name, svc in doc["services"].items():
        mode = svc.get("network_mode")
        if mode is not None:
            if not str(mode).startswith("service:"):
                die(f"{path}: {name}: network_mode {mode!r} is not allowed in e2e scenarios")
            continue
        nets = service_networks(svc)
        if not nets:
            die(f"{path}: {name} has no network: it would join a non-internal default network")
        for n in nets:
            if n not in declared:
                die(f"{path}: {name}: undeclared network {n}")
    for name, net in declared.items():
        net = net or {}
        if not net.get("external"):
            die(f"{path}: network {name} must be external (the harness creates it --internal)")
        subnet = None
        for cfg in (net.get("ipam") or {}).get("config") or []:
            subnet = cfg.get("subnet") or subnet
        if subnet is None:
            # External networks carry no subnet in the file: take the /24 of its preset addresses.
            addrs = [
                v.get("ipv4_address")
                for svc in doc["services"].values()
                for n, v in service_networks(svc).items()
                if n == name and v.get("ipv4_address")
            ]
            if not addrs:
                die(f"{path}: network {name}: no subnet and no ipv4_address to derive one from")
            subnet = str(ipaddress.ip_network(f"{addrs[0]}/24", strict=False))
        print(name, subnet)


def cmd_images(*paths):
    names = set()
    for p in paths:
        for svc in load_compose(p)["services"].values():
            if svc.get("image"):
                names.add(svc["image"])
    print("\n".join(sorted(names)))


def cmd_services(path):
    print("\n".join(load_compose(path)["services"]))


def cmd_oneshots(path):
    """Services others wait for with condition service_completed_successfully."""
    jobs = []
    for svc in load_compose(path)["services"].values():
        deps = svc.get("depends_on") or {}
        if isinstance(deps, dict):
            for name, d in deps.items():
                if (d or {}).get("condition") == "service_completed_successfully" and name not in jobs:
                    jobs.append(name)
    print(" ".join(jobs))


def namespace_guest_names(doc):
    """Names of services with network_mode: service:X. Under compose they have no DNS name
    of their own; podlift's hostAliases give them X's address (runtime-notes: expected)."""
    names = set()
    for name, svc in doc["services"].items():
        if str(svc.get("network_mode", "")).startswith("service:"):
            names.add(name)
            for key in ("container_name", "hostname"):
                if svc.get(key):
                    names.add(svc[key])
    return names


# --- podlift output -> podman 4.3 -----------------------------------------------------------

def pod_of(name, template, spec):
    """A bare Pod named `name` from a workload's Pod template and its (edited) spec."""
    meta = template.get("metadata") or {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": meta.get("labels") or {},
            "annotations": {**(meta.get("annotations") or {}), **INIT_ALWAYS},
        },
        "spec": spec,
    }


def cmd_podify(src, dst, pod_name, *flags):
    """Turn the Deployment into a bare Pod (restartPolicy Never: podman 4.3 restarts init
    containers endlessly under Always) and keep ConfigMaps/Secrets it may mount.
    --no-loopback removes the loopback init container, --no-copy-up the copy-up init
    containers (negative controls). --list-copy-ups replaces the containers by one `lister`
    that mounts each copy-up's volume at /mnt/copy-up-N, where the image has nothing (so
    podman's own copy-up, which podman 4.3 does on a first mount as Docker does, adds nothing
    there), and prints its files as FILE lines."""
    with open(src) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    if len(deployments) != 1:
        die(f"{src}: expected exactly one Deployment, found {len(deployments)}")
    dep = deployments[0]
    template = dep["spec"]["template"]
    spec = dict(template["spec"])
    # Safety: on the host's network the Pod's probes of preset addresses would leave the machine.
    if spec.get("hostNetwork"):
        die(f"{src}: hostNetwork: true; refusing to play it on this machine")
    spec["restartPolicy"] = "Never"
    if "--no-loopback" in flags:
        inits = [c for c in spec.get("initContainers") or [] if c.get("name") != LOOPBACK_INIT]
        if len(inits) == len(spec.get("initContainers") or []):
            die(f"{src}: no init container named {LOOPBACK_INIT}")
        spec["initContainers"] = inits
        if not inits:
            del spec["initContainers"]
    if "--list-copy-ups" in flags:
        copies = [c for c in spec.get("initContainers") or []
                  if c.get("name", "").startswith("podlift-copy-up-")]
        if not copies:
            die(f"{src}: no podlift-copy-up init container")
        mounts, script = [], []
        for i, c in enumerate(copies, 1):
            source = c["command"][-1]
            mounts.append({"name": c["volumeMounts"][0]["name"], "mountPath": f"/mnt/copy-up-{i}"})
            script.append(f"find /mnt/copy-up-{i} -exec stat -c 'FILE %n %u %g %a %F %N' {{}} \\; "
                          f"| sed 's|^FILE /mnt/copy-up-{i}|FILE {source}:|; s|/mnt/copy-up-{i}|{source}|g'")
        script.append("echo DONE.lister; exec sleep 600")
        spec["containers"] = [{"name": "lister", "image": copies[0]["image"],
                               "command": ["sh", "-c", "; ".join(script)], "volumeMounts": mounts}]
    if "--no-copy-up" in flags:
        inits = [c for c in spec.get("initContainers") or []
                 if not c.get("name", "").startswith("podlift-copy-up-")]
        if len(inits) == len(spec.get("initContainers") or []):
            die(f"{src}: no podlift-copy-up init container")
        spec["initContainers"] = inits
        if not inits:
            del spec["initContainers"]
    pod = pod_of(pod_name, template, spec)
    kept = [d for d in docs if d.get("kind") in ("ConfigMap", "Secret")]
    dropped = sorted({d.get("kind") for d in docs} - {"Deployment", "ConfigMap", "Secret"})
    if dropped:
        print(f"podify: not played under podman: {', '.join(dropped)}", file=sys.stderr)
    with open(dst, "w") as f:
        yaml.safe_dump_all(kept + [pod], f, sort_keys=False)


def loopback_init(pod_path):
    with open(pod_path) as f:
        for doc in yaml.safe_load_all(f):
            if doc and doc.get("kind") == "Pod":
                for c in doc["spec"].get("initContainers") or []:
                    if c.get("name") == LOOPBACK_INIT:
                        return c
    die(f"{pod_path}: no init container {LOOPBACK_INIT}")


def cmd_init_script(pod_path):
    c = loopback_init(pod_path)
    argv = list(c.get("command") or []) + list(c.get("args") or [])
    if len(argv) != 3 or argv[1] != "-c" or argv[0] not in ("sh", "/bin/sh"):
        die(f"{LOOPBACK_INIT}: expected [sh, -c, SCRIPT], got {argv!r}")
    print(argv[2])


# --- PROBE matrices -------------------------------------------------------------------------

def read_matrix(path):
    """{(from, target): 'ok:RESPONDER' | 'fail'}, plus ordered lists of froms and targets."""
    cells, froms, targets = {}, [], []
    with open(path, errors="replace") as f:
        for line in f:
            m = PROBE_RE.match(line.strip())
            if not m:
                continue
            src, tgt, res, who = m.groups()
            cells[(src, tgt)] = f"ok:{who}" if res == "ok" else "fail"
            if src not in froms:
                froms.append(src)
            if tgt not in targets:
                targets.append(tgt)
    return cells, froms, targets


def show(cell):
    return "-" if cell in (None, "fail") else cell.split(":", 1)[1]


def render(title, cells, froms, targets):
    """Targets as rows, probing services as columns; a cell is the responder, '-' for a
    failed probe, blank where that service does not probe that target."""
    w = max([len(t) for t in targets] + [6])
    cw = max([len(s) for s in froms] + [5])
    out = [f"  {title}", "  " + "target".ljust(w) + " | " + " ".join(s.ljust(cw) for s in froms)]
    for t in targets:
        row = " ".join(("" if (s, t) not in cells else show(cells[(s, t)])).ljust(cw) for s in froms)
        out.append("  " + t.ljust(w) + " | " + row)
    return "\n".join(out)


def cmd_matrix(path):
    cells, froms, targets = read_matrix(path)
    print(render(path, cells, froms, targets))


def read_expected(path):
    """Lines 'FROM TARGET compose=CELL pod=CELL' (FROM may be '*'; CELL is 'fail' or a
    responder name): differences the scenario exists to show."""
    exp = []
    if path:
        with open(path) as f:
            for line in f:
                line = line.split("#", 1)[0].split()
                if not line:
                    continue
                src, tgt, c, p = line
                exp.append((src, tgt, c.split("=", 1)[1], p.split("=", 1)[1]))
    return exp


def norm(v):
    return "fail" if v == "fail" else f"ok:{v}"


def cmd_compare(compose_file, compose_log, pod_log, expected_path=None):
    doc = load_compose(compose_file)
    services = list(doc["services"])
    guests = namespace_guest_names(doc)
    expected = read_expected(expected_path)
    cc, cf, ct = read_matrix(compose_log)
    pc, pf, pt = read_matrix(pod_log)
    froms = [s for s in services if s in cf or s in pf]
    targets = ct + [t for t in pt if t not in ct]
    print(render(REFERENCE_TITLE, cc, froms, targets))
    print(render("pod (podlift + podman kube play):", pc, froms, targets))

    known, wanted, bad = [], [], []
    if not cc or not pc:
        bad.append(f"no PROBE lines (compose: {len(cc)}, pod: {len(pc)})")
    seen_expected = set()
    for s in froms:
        for t in targets:
            c, p = cc.get((s, t)), pc.get((s, t))
            if c is None and p is None:
                continue  # this service does not probe that target
            if c is None or p is None:
                bad.append(f"{s} -> {t}: missing (compose={c}, pod={p})")
                continue
            rule = next((i for i, e in enumerate(expected) if e[0] in ("*", s) and e[1] == t), None)
            if rule is not None:
                _, _, ec, ep = expected[rule]
                if (c, p) == (norm(ec), norm(ep)):
                    wanted.append(f"{s} -> {t}: compose={show(c)} pod={show(p)}")
                    seen_expected.add(rule)
                else:
                    bad.append(f"{s} -> {t}: expected compose={ec} pod={ep}, got compose={show(c)} pod={show(p)}")
                continue
            if c == p:
                continue
            host = t.rsplit(":", 1)[0]
            if c == "fail" and p != "fail" and host in guests:
                known.append(f"{s} -> {t}: compose={show(c)} pod={show(p)} (network_mode guest name)")
            else:
                bad.append(f"{s} -> {t}: compose={show(c)} pod={show(p)}")
    for i, e in enumerate(expected):
        if i not in seen_expected and not any(f.startswith(f"{e[0]} -> {e[1]}") for f in bad):
            bad.append(f"expected difference never seen: {' '.join(e)}")
    for title, items in (("known differences (not failures)", known),
                         ("differences this scenario expects", wanted),
                         ("UNEXPECTED differences", bad)):
        if items:
            print(f"  {title}:")
            for i in items:
                print(f"    {i}")
    sys.exit(1 if bad else 0)


def cmd_order(log, first, *later):
    ev = {}
    with open(log, errors="replace") as f:
        for line in f:
            m = EVENT_RE.match(line.strip())
            if m:
                ev[(m.group(1), m.group(2))] = float(m.group(3))
    done = ev.get((first, "done"))
    if done is None:
        die(f"{first} never finished")
    ok = True
    for name in later:
        st = ev.get((name, "start"))
        if st is None or st < done:
            print(f"  {name} started at {st}, before {first} finished at {done}")
            ok = False
        else:
            print(f"  {name} started {st - done:.2f}s after {first} finished")
    sys.exit(0 if ok else 1)


def cmd_probe_fails(log, prefix):
    cells, _, _ = read_matrix(log)
    hits = [(s, t) for (s, t), v in cells.items() if t.startswith(prefix)]
    fails = [(s, t) for (s, t) in hits if cells[(s, t)] == "fail"]
    print(f"  {len(fails)} of {len(hits)} probes to {prefix}* failed")
    sys.exit(0 if fails else 1)


COMMANDS = {
    "networks": cmd_networks, "images": cmd_images, "services": cmd_services,
    "oneshots": cmd_oneshots,
    "podify": cmd_podify, "init-script": cmd_init_script, "compare": cmd_compare,
    "matrix": cmd_matrix, "order": cmd_order, "probe-fails": cmd_probe_fails,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        die(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
