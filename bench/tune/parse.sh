# What bench/tune's scripts read from hel's output (sourced, not run).

# The ms column of the last row of a `hel bench` table (its last call).
ms_of_last_row() { awk 'NF > 5 && $(NF-4) ~ /^[0-9.]+$/ { ms = $(NF-4) } END { print ms }' "$1"; }

# The arguments of the last `@helion.kernel(config=helion.Config(...))` line `hel tune` printed.
pasted_config() { sed -n 's/^@helion.kernel(config=helion.Config(\(.*\)))  # .*/\1/p' "$1" | tail -1; }

# Milliseconds since START (from `date +%s%N`).
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
