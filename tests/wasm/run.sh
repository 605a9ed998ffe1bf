#!/usr/bin/env bash
# wasm-bindgen-test of the boundary (tests/wasm_boundary.rs) in Node and in headless Chromium.
# The boundary does no I/O, so no emulator is needed here; HTTP and WebSockets are tested through
# the package (tests/node, tests/browser).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
export CARGO_TARGET_DIR=$PWD/target/wasm
status=0

echo "--- wasm-bindgen-test in Node"
PATH=$WASM_PATH wasm-pack test --node --mode no-install -- --test wasm_boundary || status=1

echo "--- wasm-bindgen-test in headless Chromium"
# No wasm_bindgen_test_configure! in the file: the runner picks the browser from this variable.
WASM_BINDGEN_USE_BROWSER=1 PATH=$WASM_PATH wasm-pack test --headless --chrome \
  --chromedriver /usr/bin/chromedriver --mode no-install -- --test wasm_boundary || status=1
exit $status
