#!/usr/bin/env bash
# Issue 6's fourth bar, on a host with two GPUs, from the repository root: `hel tune
# --devices 0` against `--devices 0,1` on a script with four specializations worth tuning
# (bench/tune/multi_shape.hel), each without the PTX cache: the wall time of each, and the
# config and time each chose per specialization (from the tune file).
#
#   bash bench/tune/devices.sh [OUT]     (OUT: logs, default /tmp/hel-tune-devices)
#
# HEL picks the binary (default build/hel), CASE the script, EFFORT quick or full (quick),
# DEVICE=cpu tries the script without a GPU (the numbers then only name worker processes).
set -u
out=${1:-/tmp/hel-tune-devices}
hel=${HEL:-build/hel}
case=${CASE:-bench/tune/multi_shape.hel}
mkdir -p "$out"
source "$(dirname "$0")/parse.sh"
for devices in 0 0,1; do
  rm -f "$case.tune.toml"
  start=$(date +%s%N)
  "$hel" tune "$case" --device "${DEVICE:-cuda}" --effort "${EFFORT:-quick}" --devices "$devices" --no-cache \
    > "$out/tune.$devices.txt" 2> "$out/tune.$devices.err"
  echo "--devices $devices: exit $?, $(ms_since "$start") ms"
  awk -F' = ' '/^kernel/ { k = $2 } /^arguments/ { a = $2 } /^block_sizes/ { b = $2 } /^num_warps/ { w = $2 }
               /^ms/ { printf "  %s %s: block_sizes %s, num_warps %s, %s ms\n", k, a, b, w, $2 }' "$case.tune.toml" | sort
done
rm -f "$case.tune.toml"
