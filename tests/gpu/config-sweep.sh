#!/usr/bin/env bash
# The config sweep of issue 4: every puzzle kernel on every reference case
# under several configs (block sizes of 1, sizes that do not divide, num_warps
# 1 to 8), run on each device against the reference data; with cuda and cpu
# both, also cpu against cuda directly: the cuda run saves its outputs as a
# case (--save-case) and the cpu run checks them with the case's tolerances.
#   bash tests/gpu/config-sweep.sh [HEL] [DEVICES]    (DEVICES: default "cuda cpu")
# CI runs it with DEVICES=cpu (no GPU there); the GPU machine runs both.
set -u
hel=${1:-build/hel}
devices=${2:-cuda cpu}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
passed=0
failed=0
while read -r file kernel data config; do
  [ -z "$file" ] && continue
  case "$file" in \#*) continue ;; esac
  check() {  # check LABEL ARGS...: one run, counted
    local label=$1
    shift
    if "$hel" run "puzzles/$file" --kernel "$kernel" --config "$config" "$@" > "$scratch/out" 2>&1; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "FAILED $label: $file $kernel $data $config"
      cat "$scratch/out"
    fi
  }
  rm -rf "$scratch/cuda-case"
  for device in $devices; do
    save=()
    [ "$device" = cuda ] && save=(--save-case "$scratch/cuda-case")
    check "on $device" --data "puzzles/data/$data" --device "$device" "${save[@]}"
  done
  if [ -d "$scratch/cuda-case" ] && [[ " $devices " == *" cpu "* ]]; then
    check "cpu against cuda" --data "$scratch/cuda-case" --device cpu
  fi
done <<'CASES'
# file                     kernel                      case                   config
01_constant_add.hel        add_kernel                  p01_constant_add       block_sizes=[1],num_warps=1
01_constant_add.hel        add_kernel                  p01_constant_add_odd   block_sizes=[3],num_warps=2
01_constant_add.hel        add_kernel                  p01_constant_add_odd   block_sizes=[1024],num_warps=8
02_outer_add.hel           broadcast_add_kernel        p02_outer_add          block_sizes=[1,1],num_warps=1
02_outer_add.hel           broadcast_add_kernel        p02_outer_add          block_sizes=[3,5],num_warps=2
02_outer_add.hel           broadcast_add_kernel        p02_outer_add          block_sizes=[64,16],num_warps=8
03_mul_relu.hel            mul_relu_block_kernel       p03_mul_relu_odd       block_sizes=[7,9],num_warps=4
03_mul_relu.hel            mul_relu_block_kernel       p03_mul_relu           block_sizes=[32,32],num_warps=8
03_mul_relu.hel            mul_relu_block_kernel       p03_mul_relu_odd       block_sizes=[3,5],l2_groupings=[4]
03_mul_relu.hel            mul_relu_block_kernel       p03_mul_relu_odd       block_sizes=[7,9],l2_groupings=[2],loop_orders=[[1,0]]
03_mul_relu.hel            mul_relu_block_kernel       p03_mul_relu_odd       block_sizes=[16,16],pid_type='xyz'
11_matmul.hel              dot_kernel                  p11_dot                block_sizes=[3,5,7,9],l2_groupings=[2]
02_outer_add.hel           broadcast_add_kernel        p02_outer_add          block_sizes=[16,16],pid_type='persistent_blocked'
02_outer_add.hel           broadcast_add_kernel        p02_outer_add          block_sizes=[8,64],pid_type='persistent_interleaved'
08_softmax.hel             softmax_kernel              p08_softmax            block_sizes=[1,32,64,16],pid_type='persistent_interleaved'
04_mul_relu_backward.hel   mul_relu_block_back_kernel  p04_mul_relu_back      block_sizes=[3,100],num_warps=2
04_mul_relu_backward.hel   mul_relu_block_back_kernel  p04_mul_relu_back      block_sizes=[16,64],num_warps=4
07_long_sum.hel            sum_kernel                  p07_long_sum           block_sizes=[1,1],num_warps=1
07_long_sum.hel            sum_kernel                  p07_long_sum           block_sizes=[3,7],num_warps=2
07_long_sum.hel            sum_kernel                  p07_long_sum           block_sizes=[4,256],num_warps=8
08_softmax.hel             softmax_kernel              p08_softmax            block_sizes=[1,1,1,1],num_warps=1
08_softmax.hel             softmax_kernel              p08_softmax            block_sizes=[3,7,13,29],num_warps=2
08_softmax.hel             softmax_kernel              p08_softmax            block_sizes=[4,64,128,256],num_warps=8
09_flash_attention.hel     flashatt_kernel             p09_flashatt           block_sizes=[1,1],num_warps=1
09_flash_attention.hel     flashatt_kernel             p09_flashatt           block_sizes=[3,5],num_warps=2
09_flash_attention.hel     flashatt_kernel             p09_flashatt           block_sizes=[64,32],num_warps=4
10_conv2d.hel              conv2d_kernel               p10_conv2d             block_sizes=[1],num_warps=1
10_conv2d.hel              conv2d_kernel               p10_conv2d             block_sizes=[3],num_warps=8
11_matmul.hel              dot_kernel                  p11_dot                block_sizes=[1,1,1,1],num_warps=1
11_matmul.hel              dot_kernel                  p11_dot                block_sizes=[3,5,7,9],num_warps=2
11_matmul.hel              dot_kernel                  p11_dot                block_sizes=[4,16,16,8],num_warps=4
12_quant_matmul.hel        quant_dot_kernel            p12_quant_dot          block_sizes=[1,1],num_warps=1
12_quant_matmul.hel        quant_dot_kernel            p12_quant_dot          block_sizes=[3,5],num_warps=2
12_quant_matmul.hel        quant_dot_kernel            p12_quant_dot          block_sizes=[32,32],num_warps=8
CASES
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
