#!/usr/bin/env bash
# Tensor-core matmul on the GPU machine, from the repository root: hel bench of
# bench/matmul/matmul_f16.hel under a few configs, then PyTorch (cuBLAS) at the
# same size in the same run. Usage: bash bench/matmul/run.sh
set -u
hel=${HEL:-build/hel}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../bench-table.sh"
table=$(mktemp)
trap 'rm -f "$table"' EXIT
configs=${CONFIGS:-"block_sizes=[128,128,32],num_warps=4 block_sizes=[128,128,32],num_warps=4,num_stages=2 block_sizes=[128,128,64],num_warps=4,num_stages=2 block_sizes=[128,256,32],num_warps=8,num_stages=2 block_sizes=[64,128,32],num_warps=4,num_stages=2 block_sizes=[256,128,32],num_warps=8,num_stages=2"}
echo "GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"
for config in $configs; do
  "$hel" bench "$here/matmul_f16.hel" --config "$config" > "$table" 2>&1
  printf 'hel  %-42s %s ms %s TFLOP/s %s%% of peak\n' "$config" "$(bench_column ms "$table")" \
    "$(bench_column TFLOP/s "$table")" "$(bench_column "% peak" "$table")"
done
python3 "$here/torch_matmul.py" 4096x4096x4096
