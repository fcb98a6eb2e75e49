#!/usr/bin/env bash
# A hand sweep of configs for the memory-bound cases (what `hel tune` will do on its
# own): for each case and config, `hel bench --config` and the benchmark-size row's
# median ms, GB/s and % of the copy bandwidth. Run on the GPU machine from the
# repository root: bash bench/membound/sweep.sh [CASE...]
set -u
hel=${HEL:-build/hel}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../bench-table.sh"
table=$(mktemp)
trap 'rm -f "$table"' EXIT
declare -A configs=(
  [const_add]="block_sizes=[1024],num_warps=4 block_sizes=[2048],num_warps=4 block_sizes=[4096],num_warps=4 block_sizes=[4096],num_warps=8 block_sizes=[8192],num_warps=8 block_sizes=[8192],num_warps=16"
  [outer_add]="block_sizes=[64,256],num_warps=8 block_sizes=[64,256],num_warps=8,loop_orders=[[1,0]] block_sizes=[8,2048],num_warps=8 block_sizes=[4,4096],num_warps=8 block_sizes=[1,8192],num_warps=8 block_sizes=[16,1024],num_warps=8 block_sizes=[16,1024],num_warps=8,loop_orders=[[1,0]]"
  [outer_mul_relu]="block_sizes=[64,256],num_warps=8 block_sizes=[64,256],num_warps=8,loop_orders=[[1,0]] block_sizes=[8,2048],num_warps=8 block_sizes=[4,4096],num_warps=8 block_sizes=[1,8192],num_warps=8 block_sizes=[16,1024],num_warps=8 block_sizes=[16,1024],num_warps=8,loop_orders=[[1,0]]"
  [mul_relu_backward]="block_sizes=[16,256],num_warps=4 block_sizes=[8,512],num_warps=4 block_sizes=[32,256],num_warps=8 block_sizes=[4,1024],num_warps=4 block_sizes=[2,2048],num_warps=8 block_sizes=[1,4096],num_warps=8 block_sizes=[8,1024],num_warps=8 block_sizes=[4,2048],num_warps=8 block_sizes=[2,1024],num_warps=4"
  [row_sum]="block_sizes=[1,4096],num_warps=8 block_sizes=[1,8192],num_warps=8 block_sizes=[1,8192],num_warps=16 block_sizes=[2,4096],num_warps=8 block_sizes=[1,16384],num_warps=16 block_sizes=[4,2048],num_warps=8"
  [softmax]="block_sizes=[1],num_warps=16 block_sizes=[1],num_warps=8 block_sizes=[1],num_warps=32 block_sizes=[2],num_warps=16"
  [flash1d]="block_sizes=[32,128],num_warps=4 block_sizes=[64,128],num_warps=4 block_sizes=[32,256],num_warps=4 block_sizes=[64,64],num_warps=4 block_sizes=[16,256],num_warps=4 block_sizes=[64,128],num_warps=8 block_sizes=[128,128],num_warps=8"
)
cases=${*:-const_add outer_add outer_mul_relu mul_relu_backward row_sum softmax flash1d}
printf '%-18s %-40s %9s %8s %7s\n' case config ms GB/s %copy
for case in $cases; do
  for config in ${configs[$case]}; do
    "$hel" bench "$here/$case.hel" --config "$config" > "$table" 2>&1
    printf '%-18s %-40s %9s %8s %7s\n' "$case" "$config" "$(bench_column ms "$table")" \
      "$(bench_column GB/s "$table")" "$(bench_column "% copy" "$table")"
  done
done
