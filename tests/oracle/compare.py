#!/usr/bin/env python3
"""Compare podlift with two oracles on the shared real-world compose corpus.

Oracle 1, `schema`: the compose-spec JSON schema
(`check-jsonschema --builtin-schema vendor.compose-spec`, PyPI), on the raw YAML
of every file of a case (no interpolation, no merge). Compared with podlift's
accept/reject, where only compose-validity errors count as "reject"; errors that
come from putting every service in one Pod (or from podlift's own limits, or
that only the container engine would raise at `up`) do not.

Oracle 2, `docker-compose`: `docker-compose config` (Debian package, v1.29; it
needs no Docker daemon) for every multi-file set and every version-3 file, which
includes files without `version:` (docker-compose 1.29 reads them as 3.9); only
the two `version: "2"` files are left out. Its
accept/reject is compared, and for each service the resolved `image`,
`environment` (env_file included), `command`, `entrypoint`, published ports and
container ports are compared with the containers and Services of
`podlift convert --kube-version 1.28 --format json`.

Every disagreement must be listed, with its reason, in
known-disagreements.tsv (path, oracle, podlift verdict, oracle verdict, reason);
an unlisted one, a panic, or a stale entry makes the exit status non-zero.

Usage: compare.py [--verbose] [--quick | --all] [--write-known FILE]
Environment: PODLIFT (binary, default target/debug/podlift), VENV (default
.venv), CI (when `true`, a missing ../shared/corpus is a failure, not a skip).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
KNOWN = HERE / "known-disagreements.tsv"

# podlift errors that do not make a compose file invalid. Each maps to why.
NOT_COMPOSE_VALIDITY = {
    # one Pod: every service shares one network namespace and one Pod spec
    "port-conflict": "one-pod",
    "address-duplicate": "one-pod",
    "address-reserved": "one-pod",
    "address-cluster-range": "one-pod",
    "replicas": "one-pod",
    "replicas-stateful": "one-pod",
    "network-mode-host": "one-pod",
    "network-mode-none": "one-pod",
    "docker-socket": "one-pod",
    # the container engine refuses these at `up`; `config` accepts them
    "address-outside-subnet": "engine",
    # podlift's own size limits
    "limit-services": "podlift-limit",
    "yaml-limit": "podlift-limit",
}


def classify(diagnostic: dict) -> str:
    """`compose` for a compose-validity error, else why it is not one."""
    code = diagnostic.get("code", "")
    message = diagnostic.get("message", "")
    if code == "network-mode-target" and "shares the network of container" in message:
        # `network_mode: container:NAME` naming a container outside the project
        # is valid compose; only a Pod cannot join it.
        return "one-pod"
    if code == "file-unreadable" and re.search(r" for (secret|config) `", message):
        # compose resolves a secret/config `file:` only at `up`; podlift reads it now
        return "engine"
    return NOT_COMPOSE_VALIDITY.get(code, "compose")


@dataclass
class Case:
    key: str  # row path (or a label for an extra set)
    expect: str
    files: list[Path]
    env: dict[str, str]
    compose_file_env: str | None = None  # COMPOSE_FILE instead of -f
    cwd: Path | None = None
    oracle2: bool = False


@dataclass
class Result:
    podlift: str = ""
    podlift_detail: str = ""
    schema: str = ""
    schema_detail: str = ""
    compose: str = ""  # docker-compose verdict, "" when out of scope
    compose_detail: str = ""
    compared: int = 0  # fields compared with docker-compose
    disagreements: list[tuple[str, str, str]] = field(default_factory=list)


# ---------------------------------------------------------------- the corpus


def manifest_rows() -> list[dict]:
    rows = []
    for line in (CORPUS / "MANIFEST.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cols = line.split("\t") + [""] * 8
        if cols[4] == "compose":
            rows.append({"path": cols[0], "expect": cols[5], "notes": cols[7]})
    return rows


def files_for(row: dict) -> list[Path]:
    """The files of a row: a partial overlay comes after its base, as its
    notes say (`-f A -f B`, or `overlay of X`); otherwise the file alone."""
    file = CORPUS / row["path"]
    here = file.parent
    if row["expect"] != "partial":
        return [file]
    words = row["notes"].split()
    flagged = [here / b.rstrip("),") for a, b in zip(words, words[1:]) if a == "-f"]
    if len(flagged) >= 2:
        return flagged
    for a, b, c in zip(words, words[1:], words[2:]):
        if a == "overlay" and b == "of":
            for base in (here / c.rstrip("),"), here.parent / c.rstrip("),")):
                if base.is_file():
                    return [base, file]
    return [file]


def exported(first: Path) -> dict[str, str]:
    """Variables an upstream test exports first: `export $(cat envs)`."""
    envs = first.parent / "envs"
    if not envs.is_file():
        return {}
    out = {}
    for word in envs.read_text().split():
        name, sep, value = word.partition("=")
        if sep:
            out[name] = value
    return out


def declared_version(path: Path) -> str:
    try:
        data = yaml.safe_load(path.read_text())
    except Exception:  # noqa: BLE001 - any unreadable file has no version
        return ""
    if isinstance(data, dict) and data.get("version") is not None:
        return str(data["version"])
    return ""


def cases(quick: bool) -> list[Case]:
    out = []
    for row in manifest_rows():
        files = files_for(row)
        multi = len(files) > 1
        versions = [declared_version(f) for f in files]
        # docker-compose 1.29 reads a file without `version:` as version 3.9
        v3 = all(v == "" or v.startswith("3") for v in versions)
        if quick:
            v3 = any(v.startswith("3") for v in versions)
        out.append(Case(row["path"], row["expect"], files, exported(files[0]), oracle2=multi or v3))
    # kompose's COMPOSE_FILE test, with compose's own `:` separator
    directory = CORPUS / "kompose/script/test/fixtures/compose-file-env-variable"
    if directory.is_dir():
        names = ["compose.yaml", "alternative-compose.yaml"]
        out.append(
            Case(
                "kompose/script/test/fixtures/compose-file-env-variable/COMPOSE_FILE=compose.yaml:alternative-compose.yaml",
                "valid",
                [directory / n for n in names],
                {},
                compose_file_env=":".join(names),
                cwd=directory,
                oracle2=True,
            )
        )
    return out


def rel(path: Path) -> str:
    return str(path.relative_to(CORPUS))


# ---------------------------------------------------------------- runners


def base_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env["HOME"] = "/nonexistent"
    env.update(extra)
    return env


def file_args(case: Case) -> list[str]:
    if case.compose_file_env:
        return []
    args = []
    for f in case.files:
        args += ["-f", str(f)]
    return args


def case_env(case: Case) -> dict[str, str]:
    env = base_env(case.env)
    if case.compose_file_env:
        env["COMPOSE_FILE"] = case.compose_file_env
    return env


def run_podlift(podlift: Path, case: Case, result: Result) -> None:
    proc = subprocess.run(
        [str(podlift), "check", *file_args(case), "--format", "json"],
        capture_output=True,
        text=True,
        env=case_env(case),
        cwd=case.cwd or ROOT,
        timeout=60,
    )
    if proc.returncode not in (0, 1):
        result.podlift = "crash"
        result.podlift_detail = f"exit {proc.returncode}: {proc.stderr.strip()[:200]}"
        return
    try:
        diagnostics = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        result.podlift = "crash"
        result.podlift_detail = f"stdout is not JSON: {proc.stdout[:200]}"
        return
    errors = [d for d in diagnostics if d.get("severity") == "error"]
    validity = sorted({d["code"] for d in errors if classify(d) == "compose"})
    other = sorted({f"{d['code']}({classify(d)})" for d in errors if classify(d) != "compose"})
    if (proc.returncode == 1) != bool(errors):
        result.podlift = "crash"
        result.podlift_detail = f"exit {proc.returncode} but {len(errors)} errors"
        return
    result.podlift = "reject" if validity else "accept"
    result.podlift_detail = ",".join(validity + other)


def run_schema(checker: Path, all_cases: list[Case]) -> dict[str, list[str]]:
    """Schema errors per file (relative path), one checker run for all files."""
    files = sorted({f for c in all_cases for f in c.files})
    proc = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", "-o", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode not in (0, 1):
        sys.exit(f"check-jsonschema failed ({proc.returncode}): {proc.stderr.strip()}")
    report = json.loads(proc.stdout)
    errors: dict[str, list[str]] = {rel(f): [] for f in files}
    for item in report.get("errors", []):
        where = item.get("path", "$")
        errors[rel(Path(item["filename"]))].append(f"{where}: {item['message']}")
    for item in report.get("parse_errors", []):
        errors[rel(Path(item["filename"]))].append("parse error: " + item.get("message", ""))
    return errors


def run_compose(case: Case) -> tuple[dict | None, str]:
    proc = subprocess.run(
        ["docker-compose", *file_args(case), "config"],
        capture_output=True,
        text=True,
        env=case_env(case),
        cwd=case.cwd or case.files[0].parent,
        timeout=60,
    )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        return None, (lines[-1] if lines else f"exit {proc.returncode}")[:200]
    return yaml.safe_load(proc.stdout) or {}, ""


def run_convert(podlift: Path, case: Case) -> tuple[dict | None, str]:
    """podlift's manifests; `--strategy split` when one-Pod errors stop `pod`."""
    detail = ""
    for strategy in ("pod", "split"):
        proc = subprocess.run(
            [str(podlift), "convert", *file_args(case), "--kube-version", "1.28", "--format", "json", "--strategy", strategy],
            capture_output=True,
            text=True,
            env=case_env(case),
            cwd=case.cwd or ROOT,
            timeout=60,
        )
        if proc.returncode == 0:
            return json.loads(proc.stdout), strategy
        detail = f"convert --strategy split exit {proc.returncode}"
    return None, detail


# ---------------------------------------------------------------- oracle 2 values


def k8s_name(service: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", service.lower()).strip("-")


def podlift_view(manifests: dict) -> dict[str, dict]:
    """Per container name: image, env, command, args, ports; plus Service ports."""
    items = manifests.get("items", [])
    config_maps = {i["metadata"]["name"]: i.get("data", {}) for i in items if i["kind"] == "ConfigMap"}
    secrets = {}
    for i in items:
        if i["kind"] == "Secret":
            data = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (i.get("data") or {}).items()}
            data.update(i.get("stringData") or {})
            secrets[i["metadata"]["name"]] = data
    view: dict[str, dict] = {}
    for i in items:
        spec = i.get("spec", {})
        pod = spec.get("template", {}).get("spec") or spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
        if not pod:
            continue
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            env: dict[str, str] = {}
            for source in c.get("envFrom", []):
                prefix = source.get("prefix", "")
                if "configMapRef" in source:
                    data = config_maps.get(source["configMapRef"]["name"], {})
                else:
                    data = secrets.get(source.get("secretRef", {}).get("name"), {})
                env.update({prefix + k: v for k, v in data.items()})
            for e in c.get("env", []):
                if "value" in e:
                    env[e["name"]] = e["value"]
                elif "valueFrom" in e:
                    ref = e["valueFrom"]
                    if "configMapKeyRef" in ref:
                        r = ref["configMapKeyRef"]
                        env[e["name"]] = config_maps.get(r["name"], {}).get(r["key"], "<missing>")
                    elif "secretKeyRef" in ref:
                        r = ref["secretKeyRef"]
                        env[e["name"]] = secrets.get(r["name"], {}).get(r["key"], "<missing>")
                    else:
                        env[e["name"]] = "<valueFrom>"
                else:
                    env[e["name"]] = ""
            view[c["name"]] = {
                "image": c.get("image"),
                "environment": env,
                "command": c.get("args"),
                "entrypoint": c.get("command"),
                "container_ports": sorted({(p["containerPort"], p.get("protocol", "TCP").lower()) for p in c.get("ports", [])}),
                "published": [],
            }
    for i in items:
        if i["kind"] == "Service" and i["metadata"]["name"] in view:
            view[i["metadata"]["name"]]["published"] = sorted(
                {(p["port"], p.get("targetPort", p["port"]), p.get("protocol", "TCP").lower()) for p in i["spec"].get("ports", [])}
            )
    return view


def compose_ports(service: dict) -> tuple[list, list] | None:
    """(published, container ports) as docker-compose resolved them. A port
    published on one host address (`127.0.0.1:5000:5000`) was reachable only
    from that host: podlift makes no Service for it, so it counts as a
    container port only."""
    published, container = set(), set()
    for p in service.get("ports") or []:
        if isinstance(p, dict):
            target, pub, proto = p.get("target"), p.get("published"), p.get("protocol", "tcp")
            host_ip = p.get("host_ip") or ""
        else:  # v2 short syntax survives `config`: [ip:][pub:]target[/proto]
            text, _, proto = str(p).partition("/")
            proto = proto or "tcp"
            parts = text.rsplit(":", 2)
            target = parts[-1]
            pub = parts[-2] if len(parts) >= 2 else None
            host_ip = parts[0] if len(parts) == 3 else ""
        if "-" in str(target) or "-" in str(pub or ""):
            return None  # ranges: not compared
        target = int(target)
        container.add((target, proto))
        host_only = str(host_ip).strip("[]") not in ("", "0.0.0.0", "::")
        if pub not in (None, "") and not host_only:
            published.add((int(pub), target, proto))
    for e in service.get("expose") or []:
        text, _, proto = str(e).partition("/")
        if "-" in text:
            return None
        container.add((int(text), proto or "tcp"))
    return sorted(published), sorted(container)


def as_args(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def compare_values(config: dict, view: dict[str, dict], strategy: str, result: Result) -> None:
    def differ(name: str, ours, theirs) -> None:
        result.disagreements.append(("docker-compose", f"{name}={compact(ours)}", f"{name}={compact(theirs)}"))

    for name, service in sorted((config.get("services") or {}).items()):
        ours = view.get(k8s_name(name))
        if ours is None and service.get("profiles"):
            continue  # docker-compose 1.29 `config` lists services of inactive profiles too
        if ours is None:
            differ(name, "no container", "service")
            continue
        if service.get("image") is not None:
            result.compared += 1
            if ours["image"] != service["image"]:
                differ(f"{name}.image", ours["image"], service["image"])
        # a name without a value and no variable to take it from: unset (None) on both sides
        theirs_env = {k: (None if v is None else str(v)) for k, v in (service.get("environment") or {}).items()}
        for key in sorted(set(theirs_env) | set(ours["environment"])):
            result.compared += 1
            a, b = ours["environment"].get(key), theirs_env.get(key)
            if a != b:
                differ(f"{name}.environment.{key}", a, b)
        for field_name in ("command", "entrypoint"):
            theirs = as_args(service.get(field_name))
            if theirs is None:
                continue
            result.compared += 1
            if ours[field_name] != theirs:
                differ(f"{name}.{field_name}", ours[field_name], theirs)
        ports = compose_ports(service)
        if ports is not None:
            published, container = ports
            result.compared += 2
            ours_published = ours["published"]
            if strategy == "split":
                # a split Service also carries each unpublished container port
                # (`port == targetPort`), so that other services reach it by name
                ours_published = [p for p in ours_published if p in published or p[0] != p[1]]
            if [list(p) for p in ours_published] != [list(p) for p in published]:
                differ(f"{name}.ports.published", ours_published, published)
            if [list(p) for p in ours["container_ports"]] != [list(p) for p in container]:
                differ(f"{name}.ports.container", ours["container_ports"], container)


# ---------------------------------------------------------------- main


def load_known() -> dict[tuple[str, str, str, str], str]:
    known = {}
    if not KNOWN.is_file():
        return known
    for n, line in enumerate(KNOWN.read_text().splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 5 or not cols[4].strip():
            sys.exit(f"{KNOWN}:{n}: expected 5 tab-separated columns with a reason")
        known[tuple(cols[:4])] = cols[4]
    return known


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print details for every case")
    parser.add_argument("--all", action="store_true", help="also run docker-compose on the version 2 files")
    parser.add_argument("--quick", action="store_true", help="docker-compose only on files declaring version 3 and multi-file sets")
    parser.add_argument("--write-known", metavar="FILE", help="write every disagreement as a TSV skeleton")
    args = parser.parse_args()
    started = time.monotonic()

    ci = os.environ.get("CI") == "true"
    if not (CORPUS / "MANIFEST.tsv").is_file():
        if ci:
            print(f"FAIL: {CORPUS}/MANIFEST.tsv is missing and CI=true", file=sys.stderr)
            return 1
        print(f"SKIPPED: {CORPUS}/MANIFEST.tsv not found")
        return 0
    podlift = Path(os.environ.get("PODLIFT", ROOT / "target/debug/podlift"))
    checker = Path(os.environ.get("VENV", ROOT / ".venv")) / "bin/check-jsonschema"
    missing = [str(p) for p in (podlift, checker) if not os.access(p, os.X_OK)]
    if subprocess.run(["sh", "-c", "command -v docker-compose"], capture_output=True).returncode:
        missing.append("docker-compose (apt-get install docker-compose)")
    if missing:
        print("FAIL: missing " + ", ".join(missing), file=sys.stderr)
        return 1

    all_cases = cases(args.quick)
    schema_errors = run_schema(checker, all_cases)
    def run_case(case: Case) -> Result:
        result = Result()
        run_podlift(podlift, case, result)
        errs = [e for f in case.files for e in schema_errors[rel(f)]]
        result.schema = "reject" if errs else "accept"
        result.schema_detail = errs[0][:120] if errs else ""
        if result.podlift == "crash" or result.schema != result.podlift:
            result.disagreements.append(("schema", result.podlift, result.schema))
        if case.oracle2 or args.all:
            config, why = run_compose(case)
            result.compose = "accept" if config is not None else "reject"
            result.compose_detail = why
            if result.compose != result.podlift:
                result.disagreements.append(("docker-compose", result.podlift, result.compose))
            elif config is not None:
                manifests, how = run_convert(podlift, case)
                if manifests is None:
                    result.disagreements.append(("docker-compose", f"no manifests ({how})", "values"))
                else:
                    compare_values(config, podlift_view(manifests), how, result)
        return result

    with ThreadPoolExecutor(max_workers=min(16, os.cpu_count() or 2)) as pool:
        results: dict[str, Result] = dict(zip((c.key for c in all_cases), pool.map(run_case, all_cases)))

    known = load_known()
    used = set()
    unexplained = []
    print(f"{'PODLIFT':8} {'SCHEMA':7} {'COMPOSE':8} {'FIELDS':>6}  CASE")
    for case in all_cases:
        r = results[case.key]
        flag = ""
        for oracle, ours, theirs in r.disagreements:
            entry = (case.key, oracle, ours, theirs)
            if entry in known:
                used.add(entry)
                flag = flag or "  (known)"
            else:
                unexplained.append(entry)
                flag = "  UNEXPLAINED"
        files = "" if len(case.files) == 1 or case.compose_file_env else "  + " + " ".join(f.name for f in case.files[1:])
        print(f"{r.podlift:8} {r.schema:7} {r.compose or '-':8} {r.compared or '-':>6}  {case.key}{files}{flag}")
        if args.verbose or flag:
            for label, detail in (("podlift", r.podlift_detail), ("schema", r.schema_detail), ("compose", r.compose_detail)):
                if detail:
                    print(f"{'':34}{label}: {detail}")
            for oracle, ours, theirs in r.disagreements:
                print(f"{'':34}{oracle}: podlift {ours} / oracle {theirs}")

    schema_cases = list(results.values())
    compose_cases = [r for r in results.values() if r.compose]
    s_dis = sum(1 for r in schema_cases if any(d[0] == "schema" for d in r.disagreements))
    c_dis = sum(1 for r in compose_cases if any(d[0] == "docker-compose" for d in r.disagreements))
    c_fields = sum(1 for r in compose_cases for d in r.disagreements if d[0] == "docker-compose" and "=" in d[1])
    crashes = [k for k, r in results.items() if r.podlift == "crash"]
    print()
    print(f"schema:         {len(schema_cases) - s_dis} agree, {s_dis} disagree ({len(schema_cases)} cases)")
    print(
        f"docker-compose: {len(compose_cases) - c_dis} agree, {c_dis} disagree ({len(compose_cases)} cases, "
        f"{sum(r.compared for r in compose_cases)} values compared, {c_fields} differ)"
    )
    print(f"podlift crashes: {len(crashes)}")
    ran = {(c.key, "schema") for c in all_cases} | {(c.key, "docker-compose") for c in all_cases if results[c.key].compose}
    stale = sorted(e for e in set(known) - used if (e[0], e[1]) in ran)
    for entry in stale:
        print("STALE known disagreement (no longer seen): " + " | ".join(entry))
    for entry in unexplained:
        print("UNEXPLAINED: " + "\t".join(entry))
    if args.write_known:
        with open(args.write_known, "w") as out:
            for case in all_cases:
                for oracle, ours, theirs in results[case.key].disagreements:
                    entry = (case.key, oracle, ours, theirs)
                    out.write("\t".join(entry) + "\t" + known.get(entry, "") + "\n")
    print(f"time: {time.monotonic() - started:.1f}s")
    return 1 if unexplained or stale or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
