#!/usr/bin/env bash
# Installs the Debian packages hel needs, builds build/hel, and runs the puzzles.
# Usage: ./scripts/setup.sh        (as root, or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ default-jre-headless
  antlr4 libantlr4-runtime-dev
  llvm-19-dev llvm-19-tools libzstd-dev zlib1g-dev
  libcli11-dev libtomlplusplus-dev libfmt-dev nlohmann-json3-dev catch2
)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"

# The main job: every puzzle, checked against its spec and its reference data,
# on the GPU when there is one, else on the CPU. Ends with `N passed, N failed`.
build/hel test puzzles
