# Reading `hel bench` tables in the bench scripts (sourced, not run).

# bench_column TITLE FILE: the value under TITLE ("ms", "GB/s", "% copy", "TFLOP/s",
# "% peak", ...) in the last row of the table in FILE. Counted from the end of the line,
# since configs hold spaces; the header says where each column is ("% copy" and
# "% peak" are one title each).
bench_column() {
  awk -v title="$1" '
    $1 == "kernel" && $2 == "line" {
      found = 0
      fromEnd = 0
      for (i = NF; i > 0; i--) {
        name = $i
        if (i > 1 && $(i - 1) == "%") { name = "% " $i; i-- }
        if (name == title) { found = 1; break }
        fromEnd++
      }
      next
    }
    found && NF > fromEnd + 4 && $(NF - fromEnd) ~ /^([0-9.]+|-)$/ { value = $(NF - fromEnd) }
    END { print value }' "$2"
}
