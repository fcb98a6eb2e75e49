#!/usr/bin/env bash
# Assembles the PTX of every device loop of every puzzle with ptxas, for each
# architecture given (default sm_90). Usage: scripts/check-ptx.sh [HEL] [PTXAS]
set -euo pipefail
hel=${1:-build/hel}
ptxas=${2:-/usr/local/cuda/bin/ptxas}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
count=0
for puzzle in puzzles/*.hel; do
  "$hel" emit --ptx "$puzzle" -o "$scratch/all.ptx"
  # One module per device loop: split before each `.version`.
  awk -v dir="$scratch" '/^\.version/ { n++ } n { print > (dir "/kernel" n ".ptx") }' "$scratch/all.ptx"
  for kernel in "$scratch"/kernel*.ptx; do
    "$ptxas" -arch=sm_90 "$kernel" -o "$scratch/out.cubin"
    count=$((count + 1))
  done
  rm -f "$scratch"/kernel*.ptx
done
echo "ptxas accepted $count kernels"
