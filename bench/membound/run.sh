#!/usr/bin/env bash
# The memory-bound benchmarks of issue 5, for the GPU machine: each case's `hel bench`
# (bench/membound/<case>.hel, timed with CUDA events, L2 flushed, median), then PyTorch
# eager on the same computation and a device-to-device copy, timed the same way in the
# same run (torch_reference.py), and one table of the ratios.
#
#   bash bench/membound/run.sh [OUT]      (from the repository root; OUT: where the
#                                          JSON and logs go, default /tmp/hel-membound)
# HEL=path/to/hel picks the binary (default build/hel); CASES="softmax row_sum" a subset.
# Python is used here only, as the reference harness; hel itself never needs it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
hel=${HEL:-build/hel}
out=${1:-/tmp/hel-membound}
cases=${CASES:-const_add outer_add outer_mul_relu mul_relu_backward row_sum softmax flash1d}
mkdir -p "$out"

for case in $cases; do
  echo "=== hel bench $case"
  "$hel" bench "$here/$case.hel" --json "$out/$case.json" >"$out/$case.log" 2>&1
  status=$?
  cat "$out/$case.log"
  if [ "$status" -ne 0 ]; then
    echo "hel bench $case failed (exit $status)"
    rm -f "$out/$case.json"
  fi
done

gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)
python3 "$here/torch_reference.py" --out "$out" --gpu "${gpu:-unknown GPU}" $cases
