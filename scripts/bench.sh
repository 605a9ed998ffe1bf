#!/usr/bin/env bash
# `make bench`: the installed package (from its tarball, as users get it) in Node and in headless Chromium,
# plain JavaScript and the real Python apolo-sdk, all against one emulator built in release mode (so the
# numbers are the clients' and not a debug server's), plus a no-network CPU comparison. Prints one table
# and writes test-output/bench.json; see the README's "Size and speed" section. Not part of `make test`:
# nothing here asserts a time. BENCH_RUNS=N sets the interleaved rounds (default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x tests/conformance/.venv/bin/python ] || { echo "tests/conformance/.venv is missing: run scripts/setup.sh" >&2; exit 1; }
[ -d node_modules/playwright-core ] || { echo "node_modules/playwright-core is missing: run scripts/setup.sh" >&2; exit 1; }
echo "[bench] building the release emulator and the package"
cargo build -q --release -p apolo-apps-emulator
export APOLO_EMULATOR_BIN=$PWD/target/release/apolo-apps-emulator
bash scripts/build-pkg.sh
bash tests/node/install.sh
node tests/node/bench.mjs
