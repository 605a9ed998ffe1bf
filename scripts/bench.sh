#!/usr/bin/env bash
# Benchmarks of the built package (installed from its tarball, as users get it) against the emulator.
# Prints a table and writes test-output/bench.json; see the README's "Performance" section.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-pkg.sh
bash tests/node/install.sh
node tests/node/bench.mjs
