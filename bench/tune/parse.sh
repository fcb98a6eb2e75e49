# What bench/tune's scripts read from hel's output (sourced, not run).

source "$(dirname "${BASH_SOURCE[0]}")/../bench-table.sh"

# The ms of the last row of a `hel bench` table (its last call).
ms_of_last_row() { bench_column ms "$1"; }

# The arguments of the last `@helion.kernel(config=helion.Config(...))` line `hel tune` printed.
pasted_config() { sed -n 's/^@helion.kernel(config=helion.Config(\(.*\)))  # .*/\1/p' "$1" | tail -1; }

# Milliseconds since START (from `date +%s%N`).
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
