#!/usr/bin/env bash
# wasm-bindgen-test of the boundary (tests/wasm_boundary.rs) in Node and in headless Chromium,
# each against its own emulator. The emulator URL reaches the test build as a compile-time env var.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/env.sh
. scripts/env.sh
export CARGO_TARGET_DIR=$PWD/target/wasm
[ -x target/debug/apolo-apps-emulator ] || cargo build -q -p apolo-apps-emulator
emu=(bash scripts/with-emulator.sh --control --speed 0 --cors-origin '*' --)
status=0

echo "--- wasm-bindgen-test in Node"
APOLO_WASM_TEST_RUNTIME=node PATH=$WASM_PATH "${emu[@]}" \
  wasm-pack test --node --mode no-install -- --test wasm_boundary || status=1

echo "--- wasm-bindgen-test in headless Chromium"
# No wasm_bindgen_test_configure! in the file: the runner picks the browser from this variable.
APOLO_WASM_TEST_RUNTIME=browser WASM_BINDGEN_USE_BROWSER=1 PATH=$WASM_PATH "${emu[@]}" \
  wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --mode no-install \
  -- --test wasm_boundary || status=1
exit $status
