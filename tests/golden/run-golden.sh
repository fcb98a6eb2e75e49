#!/usr/bin/env bash
# Runs one golden test file, lit-style: every line `# RUN: <command>` (a trailing
# `\` joins the next RUN line) is run by bash with pipefail, in the file's folder.
# Substitutions: %s the file (its name), %t a scratch file, %hel the compiler,
# %FileCheck, %S the file's folder, %root the repository.
# `%expect-exit N cmd...` runs cmd and fails unless it exits with status N.
set -u
file=$1 hel=$2 filecheck=$3 root=$4
dir=$(dirname "$file")
name=$(basename "$file")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

mapfile -t commands < <(sed -n 's/^[[:space:]]*# RUN: \{0,1\}//p' "$file" |
                        awk '/\\$/ { sub(/\\$/, ""); buf = buf $0; next } { print buf $0; buf = "" }')
if [ ${#commands[@]} -eq 0 ]; then
  echo "$file: no '# RUN:' line" >&2
  exit 1
fi

expect_exit() {
  local want=$1
  shift
  "$@"
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "expected exit status $want, got $got: $*" >&2
    return 1
  fi
}

cd "$dir" || exit 1
for command in "${commands[@]}"; do
  command=${command//%expect-exit/expect_exit}
  command=${command//%FileCheck/$filecheck}
  command=${command//%hel/$hel}
  command=${command//%root/$root}
  command=${command//%S/$dir}
  command=${command//%s/$name}
  command=${command//%t/$scratch/t}
  echo "RUN: $command"
  if ! (set -o pipefail; eval "$command"); then
    echo "FAILED: $command" >&2
    exit 1
  fi
done
