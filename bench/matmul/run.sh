#!/usr/bin/env bash
# Matmul on the GPU machine, from the repository root: `hel bench` of
# bench/matmul/matmul.hel (f16 and bf16; 4096^3, 8192^3, 4000^3 and
# 1000x3000x500) under each of CONFIGS (`own`: the kernels' own configs, or those
# hel tune stored), then torch.matmul (cuBLAS) at the same shapes in the same
# run. Prints every config's TFLOP/s, then one row per
# shape and dtype: the best config, its TFLOP/s, PyTorch's, and the ratio.
# SCRIPT=matmul_f32.hel SHAPES=4096x4096x4096 DTYPES="f32 tf32 tf32x3" does the f32
# kernels (a kernel named *_tf32 counts as tf32, against PyTorch with TF32 on; one
# named *_tf32x3 as tf32x3, against PyTorch's f32 with TF32 off, as exact).
#   bash bench/matmul/run.sh [OUT]     (OUT: logs, default /tmp/hel-matmul)
set -u
hel=${HEL:-build/hel}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../bench-table.sh"
out=${1:-/tmp/hel-matmul}
mkdir -p "$out"
configs=${CONFIGS:-"block_sizes=[128,128,64],num_warps=4,num_stages=3 block_sizes=[128,256,64],num_warps=8,num_stages=3 block_sizes=[128,256,64],num_warps=8,num_stages=3,l2_groupings=[8] block_sizes=[256,128,64],num_warps=8,num_stages=3 block_sizes=[128,128,64],num_warps=8,num_stages=3 block_sizes=[64,128,64],num_warps=4,num_stages=3"}
echo "GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"

script=${SCRIPT:-matmul.hel}
shapes=${SHAPES:-4096x4096x4096 8192x8192x8192 4000x4000x4000 1000x3000x500}

# Each row of a `hel bench` table as "dtype MxNxK ms" (the x and y arguments
# give the shape).
bench_rows() {
  bench_column_rows ms "$1" | awk '
    match($0, /x=(f16|bf16|f32)\[[0-9]+,[0-9]+\], y=(f16|bf16|f32)\[[0-9]+,[0-9]+\]/) {
      split(substr($0, RSTART, RLENGTH), part, /[][,=]/)
      # part: x, dtype, m, k, "", " y", dtype, k, n; $2 is the kernel.
      dtype = ($2 ~ /_tf32$/) ? "tf32" : ($2 ~ /_tf32x3$/) ? "tf32x3" : part[2]
      printf "%s %sx%sx%s %s\n", dtype, part[3], part[9], part[4], $1
    }'
}

: > "$out/rows.txt"
index=0
for config in $configs; do
  index=$((index + 1))
  flags=()
  [ "$config" = own ] || flags=(--config "$config")
  if ! "$hel" bench "$here/$script" "${flags[@]}" > "$out/bench.$index.txt" 2>&1; then
    echo "hel  $config: failed"; tail -n 5 "$out/bench.$index.txt"; continue
  fi
  bench_rows "$out/bench.$index.txt" | while read -r dtype shape ms; do
    echo "$dtype $shape $ms $config" >> "$out/rows.txt"
    printf 'hel  %-50s %-5s %-16s %8s ms %7.1f TFLOP/s\n' "$config" "$dtype" "$shape" "$ms" \
      "$(awk -v s="$shape" -v ms="$ms" 'BEGIN { split(s, d, "x"); print 2 * d[1] * d[2] * d[3] / ms / 1e9 }')"
  done
done
python3 "$here/torch_matmul.py" $shapes | tee "$out/torch.txt"
echo
printf '%-5s %-16s %-50s %9s %9s %6s\n' dtype shape best_config hel_TFLOPs torch_TFLOPs ratio
awk '
  FILENAME ~ /torch.txt$/ { torch[$2 " " $3] = $6; next }
  { key = $1 " " $2; if (!(key in best) || $3 < best[key]) { best[key] = $3; config[key] = $4 }; if (!(key in order)) { order[key] = ++n; keys[n] = key } }
  END {
    for (i = 1; i <= n; i++) {
      key = keys[i]; split(key, kd, " "); split(kd[2], d, "x")
      if (!(key in torch)) continue  # the small checks
      tflops = 2 * d[1] * d[2] * d[3] / best[key] / 1e9
      printf "%-5s %-16s %-50s %9.1f %9.1f %6.2f\n", kd[1], kd[2], config[key], tflops, torch[key], tflops / torch[key]
    }
  }' "$out/torch.txt" "$out/rows.txt"
