#!/usr/bin/env bash
# Source-to-PTX latency of every puzzle: the wall time of the whole
# `hel emit --ptx --no-cache` command (parse, meta run, lowering, passes, LLVM,
# PTX for every device loop of the file), median of 5 runs, in ms.
# Usage: scripts/compile-latency.sh [HEL]
set -euo pipefail
hel=${1:-build/hel}
printf '%-32s %8s %10s\n' puzzle kernels "median ms"
for puzzle in puzzles/*.hel; do
  kernels=$("$hel" emit --ptx --no-cache "$puzzle" | grep -c '^\.visible \.entry')
  times=()
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$hel" emit --ptx --no-cache "$puzzle" > /dev/null
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
  printf '%-32s %8d %10d\n' "$(basename "$puzzle")" "$kernels" "$median"
done
