#!/usr/bin/env bash
# Assembles with ptxas the PTX of every device loop of every puzzle, with the
# puzzle's own configs and with each config of the GPU sweep
# (tests/gpu/sweep-configs.txt), for sm_90. Usage: scripts/check-ptx.sh [HEL] [PTXAS]
set -euo pipefail
hel=${1:-build/hel}
ptxas=${2:-/usr/local/cuda/bin/ptxas}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
count=0
# assemble ARGS...: `hel emit --ptx ARGS`, then ptxas on each module in it.
assemble() {
  "$hel" emit --ptx "$@" -o "$scratch/all.ptx"
  # One module per device loop: split before each `.version`.
  awk -v dir="$scratch" '/^\.version/ { n++ } n { print > (dir "/kernel" n ".ptx") }' "$scratch/all.ptx"
  for kernel in "$scratch"/kernel*.ptx; do
    "$ptxas" -arch=sm_90 "$kernel" -o "$scratch/out.cubin"
    count=$((count + 1))
  done
  rm -f "$scratch"/kernel*.ptx
}
for puzzle in puzzles/*.hel; do assemble "$puzzle"; done
while read -r file kernel _case config; do
  case "$file" in '' | \#*) continue ;; esac
  assemble "puzzles/$file" --kernel "$kernel" --config "$config"
done < tests/gpu/sweep-configs.txt
echo "ptxas accepted $count kernels"
