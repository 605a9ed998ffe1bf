#!/usr/bin/env bash
# Benchmarks of the built package (installed from its tarball, as users get it) against the emulator
# built in release mode, so that the numbers are the client's and not a debug server's.
# Prints a table and writes test-output/bench.json; see the README's "Performance" section.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p apolo-apps-emulator
export APOLO_EMULATOR_BIN=$PWD/target/release/apolo-apps-emulator
bash scripts/build-pkg.sh
bash tests/node/install.sh
node tests/node/bench.mjs
