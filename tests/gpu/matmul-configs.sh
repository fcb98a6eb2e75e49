#!/usr/bin/env bash
# tests/gpu/matmul_f16.hel (f16 and bf16 tensor-core dots against the host's
# f32 matmul, sizes that divide the tiles and sizes that do not) and
# tests/gpu/matmul_f32.hel (f32: the blocked FMA dot, and tf32) under tile
# shapes from one instruction tile per warp to 256-wide tiles of 8 warps, with
# and without loads pipelined one to three steps ahead; on sm_90 the tiles of
# whole warpgroups go through wgmma, with 32-, 64- and 128-byte swizzles and
# operands of several 64-column panels.
# Further arguments go to `hel run` (`--arch sm_80`: the mma.sync code on an H100).
#   bash tests/gpu/matmul-configs.sh [HEL [ARGS...]]
set -u
hel=${1:-build/hel}
shift $(($# > 0 ? 1 : 0))
passed=0
failed=0
skipped=0
for config in \
  "block_sizes=[16,8,16],num_warps=1" \
  "block_sizes=[16,8,16],num_warps=1,num_stages=2" \
  "block_sizes=[16,16,16],num_warps=4" \
  "block_sizes=[32,32,16],num_warps=1" \
  "block_sizes=[32,64,16],num_warps=2,num_stages=2" \
  "block_sizes=[64,64,32],num_warps=4" \
  "block_sizes=[64,64,32],num_warps=4,num_stages=2" \
  "block_sizes=[64,128,32],num_warps=4,num_stages=2" \
  "block_sizes=[128,128,32],num_warps=4,num_stages=2" \
  "block_sizes=[128,128,64],num_warps=8" \
  "block_sizes=[128,128,64],num_warps=4,num_stages=3" \
  "block_sizes=[64,64,32],num_warps=4,num_stages=4" \
  "block_sizes=[16,8,16],num_warps=1,num_stages=3" \
  "block_sizes=[128,256,32],num_warps=8,num_stages=2" \
  "block_sizes=[256,128,32],num_warps=8,num_stages=2" \
  "block_sizes=[64,16,16],num_warps=4" \
  "block_sizes=[64,32,32],num_warps=4,num_stages=2" \
  "block_sizes=[128,64,128],num_warps=4,num_stages=2" \
  "block_sizes=[64,256,64],num_warps=4,num_stages=3" \
  "block_sizes=[128,256,64],num_warps=8,num_stages=3" \
  "block_sizes=[256,128,64],num_warps=8,num_stages=3"; do
  for script in tests/gpu/matmul_f16.hel tests/gpu/matmul_f32.hel; do
    if out=$("$hel" run "$script" --device cuda --config "$config" "$@" 2>&1); then
      passed=$((passed + 1))
    elif [ "$script" = tests/gpu/matmul_f32.hel ] && echo "$out" | grep -q "bytes of shared memory per block"; then
      # f32 tiles take twice the bytes (tf32's b a ring slot more): the
      # largest configs exceed the GPU's shared memory, a clear launch error
      # (the f16 ones must all fit).
      skipped=$((skipped + 1))
      echo "skipped $script $config: $(echo "$out" | grep -o "it needs [0-9]* bytes.*")"
    else
      failed=$((failed + 1))
      echo "FAILED $script $config"
      echo "$out" | tail -n 20
    fi
  done
done
echo "$passed passed, $failed failed, $skipped skipped (over the shared memory)"
[ "$failed" -eq 0 ]
