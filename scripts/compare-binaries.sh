#!/usr/bin/env bash
# Runs two podlift binaries on every compose file of the corpus, the examples
# and the fixtures, with each command, and diffs what they print (stdout,
# stderr, exit status). Proves a restructure changed no behaviour.
#
#   scripts/compare-binaries.sh OLD NEW [DIR...]
#
# DIRs default to ../shared/corpus ../shared/examples tests/fixtures. Prints
# one line per difference and the counts; exits 1 when any output differs.
set -u
old=$(realpath "$1")
new=$(realpath "$2")
shift 2
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(../shared/corpus ../shared/examples tests/fixtures)
commands=("convert" "check" "check --format json" "plan" "config")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=0 runs=0 same=0 differ=0
while IFS= read -r -d '' file; do
  files=$((files + 1))
  dir=$(dirname "$file")
  base=$(basename "$file")
  for command in "${commands[@]}"; do
    runs=$((runs + 1))
    for which in old new; do
      bin=$old
      [ "$which" = new ] && bin=$new
      # shellcheck disable=SC2086 # the command is words
      (cd "$dir" && timeout 60 "$bin" $command -f "$base" \
        >"$work/$which.out" 2>"$work/$which.err" </dev/null
       echo $? >"$work/$which.rc")
    done
    if cmp -s "$work/old.out" "$work/new.out" && cmp -s "$work/old.err" "$work/new.err" \
       && cmp -s "$work/old.rc" "$work/new.rc"; then
      same=$((same + 1))
    else
      differ=$((differ + 1))
      echo "DIFFERS: $command -f $file"
      diff <(cat "$work/old.rc" "$work/old.err") <(cat "$work/new.rc" "$work/new.err") | head -20
      diff "$work/old.out" "$work/new.out" | head -20
    fi
  done
done < <(find "${dirs[@]}" -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.json' \) -print0 | sort -z)
echo "files: $files, runs: $runs, identical: $same, different: $differ"
[ "$differ" -eq 0 ]
