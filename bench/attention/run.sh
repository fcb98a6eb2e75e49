#!/usr/bin/env bash
# Attention forward on the GPU machine, from the repository root: `hel bench` of
# bench/attention/attention.hel and causal_attention.hel (f16, batch 4, 32
# heads, sequence 4096, head dims 64 and 128) under each of CONFIGS and of
# CAUSAL_CONFIGS (`own`: the script's config; four block sizes for the causal
# kernel: its two key loops; by default also a head-dim-128 config for each,
# the causal one as `hel tune` found it), then
# torch.nn.functional.scaled_dot_product_attention at the same shapes in the
# same run. Prints one row per kernel, head dim and config, then the best of each
# against PyTorch (time ratio: PyTorch's time over hel's).
#   bash bench/attention/run.sh [OUT]     (OUT: logs, default /tmp/hel-attention)
set -u
hel=${HEL:-build/hel}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../bench-table.sh"
out=${1:-/tmp/hel-attention}
mkdir -p "$out"
echo "GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)"

# Shapes are compared as (batch*heads)xSxD: the kernels' device loops take q as a
# [batch*heads, S, D] view, PyTorch's rows name [batch, heads, S, D].
# bench_rows FILE: each row of a `hel bench` table as "kernel shape ms" (q's shape,
# the device loop's first argument).
bench_rows() {
  bench_column_rows ms "$1" | awk '
    match($0, /=f16\[[0-9,]+\]/) {  # the first argument, q
      n = split(substr($0, RSTART + 5, RLENGTH - 6), d, ",")
      rows = 1
      for (i = 1; i <= n - 2; i++) rows *= d[i]
      print $2, rows "x" d[n - 1] "x" d[n], $1
    }'
}

: > "$out/rows.txt"
index=0
for script in attention causal_attention; do
  [ "$script" = attention ] && configs=${CONFIGS:-"own block_sizes=[1,128,128],num_warps=8,num_stages=2,loop_orders=[[1,0]]"} ||
    configs=${CAUSAL_CONFIGS:-"own block_sizes=[1,128,128,64],num_warps=8,num_stages=2,l2_groupings=[8]"}
  for config in $configs; do
    index=$((index + 1))
    flags=()
    [ "$config" = own ] || flags=(--config "$config")
    if ! "$hel" bench "$here/$script.hel" "${flags[@]}" > "$out/bench.$index.txt" 2>&1; then
      echo "hel  $script $config: failed"; tail -n 5 "$out/bench.$index.txt"; continue
    fi
    bench_rows "$out/bench.$index.txt" | while read -r kernel shape ms; do
      echo "$kernel $shape $ms $config" >> "$out/rows.txt"
      printf 'hel  %-18s %-18s %-45s %9s ms\n' "$kernel" "$shape" "$config" "$ms"
    done
  done
done
python3 "$here/torch_attention.py" 4x32x4096x64 4x32x4096x128 | tee "$out/torch.txt"
echo
printf '%-18s %-16s %-45s %9s %9s %6s\n' kernel shape best_config hel_ms torch_ms ratio
awk '
  FILENAME ~ /torch.txt$/ {
    kernel = ($2 == "causal") ? "causal_attention" : "attention"
    split($3, d, "x")
    torch[kernel " " d[1] * d[2] "x" d[3] "x" d[4]] = $4
    next
  }
  { key = $1 " " $2; if (!(key in best) || $3 < best[key]) { best[key] = $3; config[key] = $4 }; if (!(key in order)) { order[key] = ++n; keys[n] = key } }
  END {
    for (i = 1; i <= n; i++) {
      key = keys[i]
      if (!(key in torch)) continue  # the small checks
      split(key, kd, " ")
      printf "%-18s %-16s %-45s %9.4f %9.4f %6.2f\n", kd[1], kd[2], config[key], best[key], torch[key], torch[key] / best[key]
    }
  }' "$out/torch.txt" "$out/rows.txt"
