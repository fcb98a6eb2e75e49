# Reading `hel bench` tables in the bench scripts (sourced, not run).

# bench_column_rows TITLE FILE: for each row of the table in FILE, the value under
# TITLE ("ms", "GB/s", "% copy", "TFLOP/s", "% peak", ...), a space, and the row as
# printed. Counted from the end of the line, since configs hold spaces; the header
# says where each column is ("% copy" and "% peak" are one title each).
bench_column_rows() {
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
    found && NF > fromEnd + 4 && $(NF - fromEnd) ~ /^([0-9.]+|-)$/ { print $(NF - fromEnd), $0 }' "$2"
}

# bench_column TITLE FILE: the value under TITLE in the last row of the table in FILE.
bench_column() { bench_column_rows "$1" "$2" | tail -n 1 | cut -d " " -f 1; }
