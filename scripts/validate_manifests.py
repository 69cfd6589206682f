#!/usr/bin/env python3
"""Validates every manifest podlift has produced for a test with kubernetes-validate.

Inputs: insta snapshots under tests/it/snapshots (their header is stripped) and any
YAML files named on the command line. Each must pass `kubernetes-validate --strict`
for the Kubernetes version given by --kube-version.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile


def snapshot_body(path: pathlib.Path) -> str:
    """The content of an insta snapshot: everything after its `---` header block."""
    lines = path.read_text().splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return "".join(lines)
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "".join(lines[i + 1:])
    return ""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--validator", required=True)
    parser.add_argument("--kube-version", default="1.33.0")
    parser.add_argument("--snapshots", default="tests/it/snapshots")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        targets = []
        for snap in sorted(pathlib.Path(args.snapshots).glob("*.snap")):
            body = snapshot_body(snap)
            if "apiVersion:" not in body:
                continue  # a snapshot of diagnostics or a table, not manifests
            out = pathlib.Path(tmp) / (snap.stem + ".yaml")
            out.write_text(body)
            targets.append((str(snap), str(out)))
        targets += [(f, f) for f in args.files]
        failed = 0
        for shown, path in targets:
            result = subprocess.run(
                [args.validator, "--strict", "--quiet", "-k", args.kube_version, path],
                capture_output=True, text=True,
            )
            status = "ok" if result.returncode == 0 else "FAILED"
            print(f"kubernetes-validate {args.kube_version} {shown}: {status}")
            if result.returncode != 0:
                failed += 1
                sys.stdout.write(result.stdout + result.stderr)
        print(f"manifests: {len(targets) - failed} passed, {failed} failed")
        return 1 if failed or not targets else 0


if __name__ == "__main__":
    sys.exit(main())
