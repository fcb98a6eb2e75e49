# What bench/tune's scripts read from hel's output (sourced, not run).

# The ms column of the last row of a `hel bench` table (its last call). Counted from the
# end of the line, since configs hold spaces: the header says how many columns follow ms
# (its two-word titles, "% copy", count once).
ms_of_last_row() {
  awk '$1 == "kernel" && $2 == "line" {
         for (i = NF; i > 0 && $i != "ms"; i--) {}
         after = NF - i
         for (j = i + 1; j <= NF; j++) if ($j == "%") after--
         next
       }
       after && NF > after + 4 && $(NF - after) ~ /^[0-9.]+$/ { ms = $(NF - after) }
       END { print ms }' "$1"
}

# The arguments of the last `@helion.kernel(config=helion.Config(...))` line `hel tune` printed.
pasted_config() { sed -n 's/^@helion.kernel(config=helion.Config(\(.*\)))  # .*/\1/p' "$1" | tail -1; }

# Milliseconds since START (from `date +%s%N`).
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
