#!/usr/bin/env bash
# Runs the README's test command many times from a clean clone of HEAD and prints the tally: the suite must be
# green every time. The last PAIRED runs execute beside a second full run of the suite in another clean clone (the
# load a busy CI machine sees); both runs count.
#   scripts/soak-tests.sh [RUNS] [PAIRED]     defaults: 10 runs, of which 3 paired
# Logs stay in $SOAK_DIR (default: a new temp dir), one file per run; failed tests are printed with their run. Each
# run records every test file's wall and CPU time (TEST_TIMINGS_DIR, docs/testing.md) in $SOAK_DIR/timings/<run>/
# and prints their summary after it.
set -uo pipefail
runs=${1:-10}
paired=${2:-3}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
dir=${SOAK_DIR:-$(mktemp -d -t amt-soak-XXXXXX)}
mkdir -p "$dir/logs"
echo "soak: $runs runs ($paired paired) of $(git -C "$repo" rev-parse --short HEAD) in $dir"

for clone in a b; do
  rm -rf "${dir:?}/$clone"
  git clone --quiet "$repo" "$dir/$clone"
done
# The first run is the full README command on clone a (packages, npm ci, suite); clone b only needs npm ci.
(cd "$dir/b" && npm ci --no-audit --no-fund >"$dir/logs/npm-ci-b.log" 2>&1) || { echo "npm ci failed in clone b"; exit 2; }

passed=0
failed=0
record() { # run-label log-file exit-code seconds
  if [ "$3" -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $1: pass in $4 s ($(grep -Eo '[0-9]+ tests? passed' "$2" | tail -1))"
  else
    failed=$((failed + 1))
    echo "run $1: FAIL (exit $3) in $4 s, log $2"
    grep -E '✘|Timed out|timed out' "$2" | head -20 | sed 's/^/    /'
  fi
}
timings() { # run-label
  local run="$dir/timings/$1"
  [ -s "$run/timings.jsonl" ] || return 0
  echo "timings of run $1:"
  (cd "$dir/a" && npx tsx scripts/test-timings.ts "$run" --top 10) 2>&1 | sed 's/^/    /'
}

for ((i = 1; i <= runs; i++)); do
  log="$dir/logs/run-$i.log"
  start=$(date +%s)
  if ((i == 1)); then
    (cd "$dir/a" && TEST_TIMINGS_DIR="$dir/timings/$i" bash scripts/test.sh) >"$log" 2>&1 &
  else
    (cd "$dir/a" && TEST_TIMINGS_DIR="$dir/timings/$i" npm test) >"$log" 2>&1 &
  fi
  main=$!
  beside=""
  if ((i > runs - paired)); then
    (cd "$dir/b" && TEST_TIMINGS_DIR="$dir/timings/$i-beside" npm test) >"$dir/logs/run-$i-beside.log" 2>&1 &
    beside=$!
  fi
  wait "$main"; code=$?
  record "$i" "$log" "$code" $(($(date +%s) - start))
  if [ -n "$beside" ]; then
    wait "$beside"; code=$?
    record "$i (beside)" "$dir/logs/run-$i-beside.log" "$code" $(($(date +%s) - start))
  fi
  timings "$i"
  [ -z "$beside" ] || timings "$i-beside"
done

echo "soak: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
