#!/usr/bin/env bash
# Issue 6's first bar, on the GPU machine, from the repository root: for each case,
# `hel tune --effort quick` and `hel tune --effort full --budget FULL_BUDGET`, each timed
# with the wall clock (the script's own work included), then `hel bench` of the case's last
# call under each chosen config, the two in turn ROUNDS times. One table row per case: the
# tune seconds of each effort, the best bench ms of each chosen config and quick/full (the
# bar: quick <= 15 s, ratio <= 1.03).
#
#   bash bench/tune/quick_vs_full.sh [OUT]     (OUT: logs, default /tmp/hel-quick-vs-full)
#
# HEL picks the binary (default build/hel); CASES the scripts (default: puzzle 1, the
# bench/membound cases, the f16 4096^3 matmul); FULL_BUDGET the full effort's
# seconds (default 20, so that all cases take about five minutes); QUICK_BUDGET, if set,
# quick's (else its own 60 s); DEVICE=cpu tries the script without a GPU (give it small
# CASES).
set -u
out=${1:-/tmp/hel-quick-vs-full}
hel=${HEL:-build/hel}
cases=${CASES:-puzzles/01_constant_add.hel $(ls bench/membound/*.hel) bench/tune/matmul_f16.hel}
device=${DEVICE:-cuda}
mkdir -p "$out"
: > "$out/configs.txt"
export HEL_CACHE_DIR=${HEL_CACHE_DIR:-$out/cache}
source "$(dirname "$0")/parse.sh"

# Tunes CASE with EFFORT (and more flags), as NAME.EFFORT.*; prints "seconds config".
tune_case() {
  local case=$1 name=$2 effort=$3
  shift 3
  rm -f "$case.tune.toml"
  local start
  start=$(date +%s%N)
  timeout 300 "$hel" tune "$case" --device "$device" --effort "$effort" "$@" \
    > "$out/$name.$effort.tune.txt" 2> "$out/$name.$effort.tune.err"
  local seconds
  seconds=$(awk -v ms="$(ms_since "$start")" 'BEGIN { printf "%.1f", ms / 1000 }')
  rm -f "$case.tune.toml"
  echo "$seconds $(pasted_config "$out/$name.$effort.tune.txt")"
}

# The two chosen configs are benchmarked in turn, ROUNDS times (default 5), and each
# one's best bench ms counts: a compute-bound kernel's bench time moves by 5 % from one
# `hel bench` to the next (H100, f16 4096^3 matmul: 0.222 to 0.245 ms for one config),
# more than the 3 % the bar asks about. Prints "quick_ms full_ms".
bench_side_by_side() {
  local case=$1 name=$2 quick_config=$3 full_config=$4 round effort config ms
  local -A best=()
  for round in $(seq "${ROUNDS:-5}"); do
    for effort in quick full; do
      [ "$effort" = quick ] && config=$quick_config || config=$full_config
      [ -n "$config" ] || continue
      "$hel" bench "$case" --device "$device" --config "$config" > "$out/$name.$effort.bench.$round.txt" 2>&1
      ms=$(ms_of_last_row "$out/$name.$effort.bench.$round.txt")
      [ -n "$ms" ] || continue
      best[$effort]=$(awk -v a="${best[$effort]:-}" -v b="$ms" 'BEGIN { print (a == "" || b < a) ? b : a }')
    done
  done
  echo "${best[quick]:-} ${best[full]:-}"
}

printf '%-18s %8s %8s %9s %9s %10s\n' case quick_s full_s quick_ms full_ms quick/full | tee "$out/table.txt"
for case in $cases; do
  name=$(basename "$case" .hel)
  read -r quick_s quick_config < <(tune_case "$case" "$name" quick ${QUICK_BUDGET:+--budget "$QUICK_BUDGET"})
  read -r full_s full_config < <(tune_case "$case" "$name" full --budget "${FULL_BUDGET:-20}")
  read -r quick_ms full_ms < <(bench_side_by_side "$case" "$name" "$quick_config" "$full_config")
  ratio=$(awk -v q="${quick_ms:-0}" -v f="${full_ms:-0}" 'BEGIN { if (f > 0) printf "%.3f", q / f; else print "-" }')
  printf '%-18s %8s %8s %9s %9s %10s\n' "$name" "$quick_s" "$full_s" "${quick_ms:--}" "${full_ms:--}" "$ratio" \
    | tee -a "$out/table.txt"
  printf '%s quick: %s\n%s full:  %s\n' "$name" "${quick_config:-none}" "$name" "${full_config:-none}" >> "$out/configs.txt"
done
echo "chosen configs:"
cut -c1-160 "$out/configs.txt"
