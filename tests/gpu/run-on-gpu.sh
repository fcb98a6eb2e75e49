#!/usr/bin/env bash
# The GPU checks of issue 4, run on a machine with an NVIDIA GPU from the
# repository root, with a prebuilt build/hel (and build/unit_cuda if built):
#   bash tests/gpu/run-on-gpu.sh OUTDIR
# Every step logs to OUTDIR/<step>.log; the summary lists each step's exit status.
set -u
out=${1:-/tmp/hel-gpu}
mkdir -p "$out"
hel=build/hel
summary="$out/summary.txt"
: > "$summary"
step() {
  local name=$1
  shift
  local start=$(date +%s%N)
  "$@" > "$out/$name.log" 2>&1
  local status=$?
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '%-28s exit %3d  %6d ms\n' "$name" "$status" "$ms" | tee -a "$summary"
}
step version "$hel" --version
step devices "$hel" devices
[ -x build/unit_cuda ] && step unit_cuda build/unit_cuda
step puzzles_cuda "$hel" test puzzles --device cuda
step puzzles_cpu "$hel" test puzzles --device cpu
step seed_cuda "$hel" run tests/golden/seed/seed_consistent_blocks.hel --device cuda
step sweep bash tests/gpu/config-sweep.sh "$hel"
step activations "$hel" run tests/gpu/activations.hel --device cuda
step atomics "$hel" run tests/gpu/atomics.hel --device cuda
step math "$hel" run tests/gpu/math.hel --device cuda
step matmul_f16 bash tests/gpu/matmul-configs.sh "$hel"
step matmul_sm80 bash tests/gpu/matmul-configs.sh "$hel" --arch sm_80
step split_tail "$hel" run tests/gpu/split_tail.hel --device cuda
step tf32_bmm "$hel" run tests/golden/nvptx/ptx_wgmma_tf32_bmm.hel --device cuda
# The attention scripts check themselves small against the host's attention.
step attention bash -c "$hel run bench/attention/attention.hel --device cuda && $hel run bench/attention/causal_attention.hel --device cuda"
step fault bash -c "$hel run tests/gpu/gather_fault.hel --device cuda; test \$? -eq 70"
tail -n 3 "$out/puzzles_cuda.log" "$out/puzzles_cpu.log" "$out/sweep.log" >> "$summary"
