#!/usr/bin/env bash
# On the GPU machine, from the repository root: `hel tune --effort quick` on each case of
# bench/membound (and puzzle 1), timed with the wall clock; then `hel bench` of the case's
# hand config and of the tuned config, and the ratio. Then a forced faulting candidate
# (HEL_TUNE_INJECT_FAULT) to show that tuning goes on. Logs go to OUT (default /tmp/hel-tune).
set -u
out=${1:-/tmp/hel-tune}
shift || true
cases=${*:-puzzles/01_constant_add.hel bench/membound/const_add.hel bench/membound/softmax.hel bench/membound/row_sum.hel bench/membound/outer_add.hel}
hel=${HEL:-build/hel}
mkdir -p "$out"
export HEL_CACHE_DIR=${HEL_CACHE_DIR:-$out/cache}
summary=$out/summary.txt
: > "$summary"
source "$(dirname "$0")/parse.sh"
for case in $cases; do
  name=$(basename "$case" .hel)
  rm -f "$case.tune.toml"
  start=$(date +%s%N)
  timeout 120 "$hel" tune "$case" --effort quick --budget "${BUDGET:-30}" > "$out/$name.tune.txt" 2> "$out/$name.tune.err"
  status=$?
  seconds=$(ms_since "$start")
  config=$(pasted_config "$out/$name.tune.txt")
  "$hel" bench "$case" > "$out/$name.hand.txt" 2>&1
  "$hel" bench "$case" --config "$config" > "$out/$name.tuned.txt" 2>&1
  hand=$(ms_of_last_row "$out/$name.hand.txt")
  tuned=$(ms_of_last_row "$out/$name.tuned.txt")
  printf '%-16s tune exit %s in %s ms; last call: hand %s ms, tuned %s ms; tuned: %s\n' \
    "$name" "$status" "$seconds" "$hand" "$tuned" "$config" | tee -a "$summary"
  rm -f "$case.tune.toml"
done
# A faulting candidate: the third one launched stores through a null pointer.
HEL_TUNE_INJECT_FAULT=3 timeout 120 "$hel" tune bench/membound/const_add.hel --effort quick --budget 20 \
  > "$out/fault.tune.txt" 2> "$out/fault.tune.err"
echo "fault injection: exit $?; $(grep -c 'faulted' "$out/fault.tune.txt") faulted candidate(s) reported" | tee -a "$summary"
grep -A2 'failed candidates' "$out/fault.tune.txt" | tee -a "$summary"
rm -f bench/membound/const_add.hel.tune.toml
