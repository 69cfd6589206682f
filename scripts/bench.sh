#!/usr/bin/env bash
# Whole-process benchmark: podlift (release build) against podlet on the same
# compose file, podlift's own figures on the full-featured file, and the split
# strategy (`--strategy split`: a Deployment per service) on that file.
#
#   scripts/bench.sh            # 1,000 and 10,000 services (the split: 100 too)
#   RUNS=30 scripts/bench.sh    # more runs per command (default 20; the split 5)
#   ONLY=findings scripts/bench.sh   # only the diagnostics benchmark (no podlet)
#   ONLY=images scripts/bench.sh     # only --inspect-images against a local registry
#   ONLY=ratio scripts/bench.sh      # only podlift/podlet, paired runs on one CPU (issue 28)
#   PAIRS=31 CPU=0 ONLY=ratio …      # more pairs (default 21), another CPU (default 1)
#   PODLIFT=path/to/podlift scripts/bench.sh   # time that binary, build nothing
#   GEN_COMPOSE=path/to/gen_compose …           # a built input generator
#
# Needs hyperfine and GNU time (installed with apt-get when run as root) and
# podlet, installed from crates.io into a temporary root outside the
# repository ($PODLET_ROOT, default /tmp/podlift-bench-podlet) unless $PODLET
# names a binary. Timing is the median wall time of RUNS runs; memory is the
# median of 5 runs' peak resident set size (`/usr/bin/time -v`).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
SIZES=(1000 10000)
PODLET_VERSION=0.3.2
PODLET_ROOT=${PODLET_ROOT:-/tmp/podlift-bench-podlet}

ONLY=${ONLY:-}

# Image inspection (issue 26): 50 distinct images from a docker-registry on
# 127.0.0.1, config only; targets cold < 2 s, from the cache < 100 ms.
# `ONLY=images scripts/bench.sh` runs only this (needs docker-registry).
if [ "$ONLY" = images ]; then
  command -v docker-registry >/dev/null || apt-get install -y docker-registry >/dev/null
  exec cargo bench --locked --bench images
fi

# Targets (issue 7), on a 2-core machine.
TARGET_1K_MS=50
TARGET_10K_MB=100
# Targets (issue 17): two warnings per service, end to end.
TARGET_FINDINGS_1K_MS=50
TARGET_FINDINGS_1K_LINES=200
TARGET_FINDINGS_10K_MS=500
TARGET_FINDINGS_10K_MB=150
# Targets of the split (issue 21): output linear (1,000 services at most 15x
# the output of 100), 1,000 services under 1 s and 300 MB, 10,000 under 5 s and 1 GB.
SPLIT_SIZES=(100 1000 10000)
SPLIT_RUNS=${SPLIT_RUNS:-5}
TARGET_SPLIT_GROWTH=15
TARGET_SPLIT_1K_MS=1000
TARGET_SPLIT_1K_MB=300
TARGET_SPLIT_10K_MS=5000
TARGET_SPLIT_10K_MB=1024

# The paired ratio (issue 28): podlift <= 0.5x podlet's time on the 1,000-service podlet
# file. Wall times on this shared machine drift 2x between runs, so each podlift run is
# paired with the podlet run right after it, both pinned to one CPU, and the ratio is
# taken pair by pair.
TARGET_RATIO=0.5
PAIRS=${PAIRS:-21}
CPU=${CPU:-1}

verdict() { awk "BEGIN { exit !($1) }" && echo met || echo MISSED; }

missing=()
# ONLY=findings without hyperfine times with a plain loop instead of installing it.
if ! command -v hyperfine >/dev/null && [ "$ONLY" != findings ] && [ "$ONLY" != ratio ]; then missing+=(hyperfine); fi
[ -x /usr/bin/time ] || missing+=(time)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "install ${missing[*]} first (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

if [ -z "${PODLET:-}" ] && [ "$ONLY" != findings ]; then
  PODLET=$PODLET_ROOT/bin/podlet
  if ! "$PODLET" --version 2>/dev/null | grep -qF "$PODLET_VERSION"; then
    echo "installing podlet $PODLET_VERSION into $PODLET_ROOT" >&2
    cargo install --quiet --locked podlet --version "$PODLET_VERSION" --root "$PODLET_ROOT"
  fi
fi

if [ -z "${PODLIFT:-}" ]; then
  cargo build --quiet --release
  PODLIFT=$PWD/target/release/podlift
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# paired_ratio FILE: PAIRS pairs of whole-process runs, podlift then podlet, on CPU $CPU;
# prints each pair and the median, min and max of the per-pair ratios, of wall time (the
# target) and of CPU time (user + system, from wait4: what a loaded machine disturbs least).
paired_ratio() {
  python3 - "$CPU" "$PAIRS" "$PODLIFT" "$PODLET" "$1" <<'PY'
import os, statistics, subprocess, sys, time
cpu, pairs, podlift, podlet, compose = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:]
os.sched_setaffinity(0, {cpu})  # the children inherit the one CPU
a = [podlift, "convert", "-f", compose]
b = [podlet, "compose", "--pod", compose]
def run(command):
    """Wall and CPU (user + system) milliseconds of one whole process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    child.returncode = 0
    return wall, (usage.ru_utime + usage.ru_stime) * 1000
for _ in range(3):
    run(a), run(b)
wall, cpu_time, lift, let = [], [], [], []
for i in range(pairs):
    (wa, ca), (wb, cb) = run(a), run(b)
    wall.append(wa / wb)
    cpu_time.append(ca / cb if cb else float("nan"))
    lift.append(wa)
    let.append(wb)
    print("pair %2d: podlift %7.1f ms (cpu %6.1f)  podlet %7.1f ms (cpu %6.1f)  ratio %.3f (cpu %.3f)"
          % (i + 1, wa, ca, wb, cb, wa / wb, cpu_time[-1]))
print("wall-time ratio over %d pairs: median %.3f, min %.3f, max %.3f (podlift median %.1f ms, podlet %.1f ms)"
      % (pairs, statistics.median(wall), min(wall), max(wall), statistics.median(lift), statistics.median(let)))
print("cpu-time ratio (user + system) over %d pairs: median %.3f, min %.3f, max %.3f"
      % (pairs, statistics.median(cpu_time), min(cpu_time), max(cpu_time)))
print("RATIO %.3f" % statistics.median(wall))
PY
}
if [ "$ONLY" = ratio ]; then
  f=$work/podlet-1000.yaml
  if [ -n "${GEN_COMPOSE:-}" ]; then
    "$GEN_COMPOSE" 1000 podlet >"$f"
  else
    cargo bench --quiet --bench gen_compose -- 1000 podlet >"$f"
  fi
  "$PODLIFT" convert -f "$f" >/dev/null 2>&1
  "$PODLET" compose --pod "$f" >/dev/null
  echo "machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "podlift $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes'); $("$PODLET" --version 2>/dev/null)"
  echo "## Paired ratio, 1,000 services (podlet variant): podlift convert -f F / podlet compose --pod F, A B A B on CPU $CPU"
  out=$(paired_ratio "$f")
  grep -v '^RATIO' <<<"$out"
  ratio=$(sed -n 's/^RATIO //p' <<<"$out")
  echo "podlift at most ${TARGET_RATIO}x podlet (median of the pairs): ${ratio}x — $(verdict "$ratio <= $TARGET_RATIO")"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

for n in "${SIZES[@]}"; do
  for variant in full podlet findings; do
    if [ -n "${GEN_COMPOSE:-}" ]; then
      "$GEN_COMPOSE" "$n" "$variant" >"$work/$variant-$n.yaml"
    else
      cargo bench --quiet --bench gen_compose -- "$n" "$variant" >"$work/$variant-$n.yaml"
    fi
  done
done
for n in "${SPLIT_SIZES[@]}"; do
  [ -f "$work/full-$n.yaml" ] || cargo bench --quiet --bench gen_compose -- "$n" full >"$work/full-$n.yaml"
done

# converts_or_too_large FILE ARGS...: refuse to time a conversion that fails, except for
# the one refusal a huge single Pod must get: Kubernetes stores no object over 1.5 MiB, so
# one Pod of thousands of containers ends in `object-too-large` (issue 14). Every stage still
# runs (the limit is checked on the rendered objects); only the writing is skipped.
too_large=()
converts_or_too_large() {
  local f=$1 err
  shift
  err=$("$PODLIFT" convert "$@" -f "$f" 2>&1 >/dev/null) && return 0
  if grep -q 'error\[object-too-large\]' <<<"$err" && ! grep -v 'object-too-large' <<<"$err" | grep -q 'error\['; then
    too_large+=("$(basename "$f")")
    return 0
  fi
  echo "podlift failed on $f:" >&2
  echo "$err" | tail -20 >&2
  return 1
}
for n in "${SIZES[@]}"; do
  converts_or_too_large "$work/findings-$n.yaml"
  [ "$ONLY" = findings ] && continue
  converts_or_too_large "$work/full-$n.yaml"
  converts_or_too_large "$work/podlet-$n.yaml"
  "$PODLET" compose --pod "$work/podlet-$n.yaml" >/dev/null
done
((${#too_large[@]})) && echo "refused as one Pod over 1.5 MiB (timed all the same: every stage runs, nothing is written): ${too_large[*]}"
for n in "${SPLIT_SIZES[@]}"; do
  "$PODLIFT" convert --strategy split -f "$work/full-$n.yaml" >/dev/null 2>&1
done

# Median wall time in ms of "$@" over RUNS runs (or $MEDIAN_RUNS).
median_ms() {
  if ! command -v hyperfine >/dev/null; then
    python3 - "$RUNS" "$@" <<'PY'
import statistics, subprocess, sys, time
runs, command = int(sys.argv[1]), sys.argv[2:]
for _ in range(3):
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
times = []
for _ in range(runs):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
print("%.1f" % (statistics.median(times) * 1000))
PY
    return
  fi
  local json=$work/hyperfine.json
  # -i: a refused one-Pod conversion (object-too-large) exits 1; other failures were
  # refused before timing.
  hyperfine -i --shell=none --warmup "${MEDIAN_WARMUP:-3}" --runs "${MEDIAN_RUNS:-$RUNS}" --style none \
    --export-json "$json" "$*" >/dev/null
  python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$json"
}

# Median peak RSS in MB of "$@" over 5 runs.
peak_mb() {
  local samples=()
  for _ in 1 2 3 4 5; do
    samples+=("$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)")
  done
  printf '%s\n' "${samples[@]}" | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 / 1024 }'
}

echo "machine: $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "podlift $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes')${PODLET:+; $("$PODLET" --version 2>/dev/null)}"
echo

findings() {
  echo "## Diagnostics at scale: every address inside two common cluster ranges (two warnings per service)"
  printf '%-9s %9s %12s %12s %14s\n' services findings "median ms" "peak MB" "stderr lines"
  declare -A ms mb lines
  for n in "${SIZES[@]}"; do
    f=$work/findings-$n.yaml
    ms[$n]=$(median_ms "$PODLIFT" convert -f "$f")
    mb[$n]=$(peak_mb "$PODLIFT" convert -f "$f")
    lines[$n]=$({ "$PODLIFT" convert -f "$f" 2>&1 >/dev/null || true; } | wc -l)
    printf '%-9s %9s %12s %12s %14s\n' "$n" $((2 * n)) "${ms[$n]}" "${mb[$n]}" "${lines[$n]}"
  done
  echo
  echo "## Targets (diagnostics)"
  echo "1,000 services, 2,000 findings under ${TARGET_FINDINGS_1K_MS} ms:    ${ms[1000]} ms — $(verdict "${ms[1000]} < $TARGET_FINDINGS_1K_MS")"
  echo "1,000 services, under ${TARGET_FINDINGS_1K_LINES} lines of stderr:    ${lines[1000]} — $(verdict "${lines[1000]} < $TARGET_FINDINGS_1K_LINES")"
  echo "10,000 services, 20,000 findings under ${TARGET_FINDINGS_10K_MS} ms: ${ms[10000]} ms — $(verdict "${ms[10000]} < $TARGET_FINDINGS_10K_MS")"
  echo "10,000 services, under ${TARGET_FINDINGS_10K_MB} MB:               ${mb[10000]} MB — $(verdict "${mb[10000]} < $TARGET_FINDINGS_10K_MB")"
  echo
}

if [ "$ONLY" = findings ]; then
  findings
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
echo "## Same file (podlet-compatible variant): podlift convert -f F vs podlet compose --pod F"
printf '%-9s %12s %12s %8s %12s %12s\n' services "podlift ms" "podlet ms" ratio "podlift MB" "podlet MB"
declare -A lift_ms
worst_ratio=0
for n in "${SIZES[@]}"; do
  f=$work/podlet-$n.yaml
  a=$(median_ms "$PODLIFT" convert -f "$f")
  b=$(median_ms "$PODLET" compose --pod "$f")
  am=$(peak_mb "$PODLIFT" convert -f "$f")
  bm=$(peak_mb "$PODLET" compose --pod "$f")
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
  printf '%-9s %12s %12s %8s %12s %12s\n' "$n" "$a" "$b" "$ratio" "$am" "$bm"
  worst_ratio=$(awk -v r="$ratio" -v w="$worst_ratio" 'BEGIN { print (r > w ? r : w) }')
done
echo "(ratio = podlift time / podlet time; below 1 means podlift is faster)"
echo
echo "## podlift on the full-featured file (addresses, expose, depends_on, healthchecks, volumes)"
printf '%-9s %12s %12s\n' services "median ms" "peak MB"
for n in "${SIZES[@]}"; do
  f=$work/full-$n.yaml
  lift_ms[$n]=$(median_ms "$PODLIFT" convert -f "$f")
  mb=$(peak_mb "$PODLIFT" convert -f "$f")
  printf '%-9s %12s %12s\n' "$n" "${lift_ms[$n]}" "$mb"
  [ "$n" = 10000 ] && lift_mb_10k=$mb
done
echo
echo "## podlift config on the full-featured file (issue 15: at most linear)"
printf '%-9s %12s %12s\n' services "median ms" "peak MB"
declare -A config_ms
for n in "${SIZES[@]}"; do
  f=$work/full-$n.yaml
  "$PODLIFT" config -f "$f" --format json >/dev/null 2>&1
  config_ms[$n]=$(median_ms "$PODLIFT" config -f "$f" --format json)
  printf '%-9s %12s %12s\n' "$n" "${config_ms[$n]}" "$(peak_mb "$PODLIFT" config -f "$f" --format json)"
done
config_growth=$(awk -v a="${config_ms[1000]}" -v b="${config_ms[10000]}" 'BEGIN { printf "%.1f", b / a }')
echo
echo "## The split strategy on the full-featured file: convert --strategy split -f F"
printf '%-9s %12s %12s %14s\n' services "median ms" "peak MB" "output bytes"
declare -A split_ms split_mb split_bytes
for n in "${SPLIT_SIZES[@]}"; do
  f=$work/full-$n.yaml
  split_ms[$n]=$(MEDIAN_RUNS=$SPLIT_RUNS MEDIAN_WARMUP=1 median_ms "$PODLIFT" convert --strategy split -f "$f")
  split_mb[$n]=$(peak_mb "$PODLIFT" convert --strategy split -f "$f")
  split_bytes[$n]=$("$PODLIFT" convert --strategy split -f "$f" 2>/dev/null | wc -c)
  printf '%-9s %12s %12s %14s\n' "$n" "${split_ms[$n]}" "${split_mb[$n]}" "${split_bytes[$n]}"
done
split_growth=$(awk -v a="${split_bytes[100]}" -v b="${split_bytes[1000]}" 'BEGIN { printf "%.1f", b / a }')
echo
growth=$(awk -v a="${lift_ms[1000]}" -v b="${lift_ms[10000]}" 'BEGIN { printf "%.1f", b / a }')
echo "## Targets"
echo "1,000 services under ${TARGET_1K_MS} ms:      ${lift_ms[1000]} ms — $(verdict "${lift_ms[1000]} < $TARGET_1K_MS")"
echo "10,000 services under ${TARGET_10K_MB} MB:     $lift_mb_10k MB — $(verdict "$lift_mb_10k < $TARGET_10K_MB")"
echo "growth 1k → 10k at most 10×:    ${growth}× — $(verdict "$growth <= 10")"
echo "podlift no slower than podlet:   worst ratio ${worst_ratio} — $(verdict "$worst_ratio <= 1")"
echo "config 1k → 10k at most 10×:     ${config_growth}× — $(verdict "$config_growth <= 10")"
echo "split output 100 → 1,000 at most ${TARGET_SPLIT_GROWTH}×: ${split_growth}× — $(verdict "$split_growth <= $TARGET_SPLIT_GROWTH")"
echo "split 1,000 under ${TARGET_SPLIT_1K_MS} ms and ${TARGET_SPLIT_1K_MB} MB: ${split_ms[1000]} ms, ${split_mb[1000]} MB — $(verdict "${split_ms[1000]} < $TARGET_SPLIT_1K_MS && ${split_mb[1000]} < $TARGET_SPLIT_1K_MB")"
echo "split 10,000 under ${TARGET_SPLIT_10K_MS} ms and ${TARGET_SPLIT_10K_MB} MB: ${split_ms[10000]} ms, ${split_mb[10000]} MB — $(verdict "${split_ms[10000]} < $TARGET_SPLIT_10K_MS && ${split_mb[10000]} < $TARGET_SPLIT_10K_MB")"
echo
findings
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
