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
done < "$(dirname "$0")/sweep-configs.txt"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
