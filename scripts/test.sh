#!/usr/bin/env bash
# Every test suite of the project, in order. Runs them all, then fails if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
failed=()
stage() { # name, command...
  local name=$1; shift
  printf '\n=== %s: %s\n' "$name" "$*"
  if "$@"; then printf '=== %s: ok\n' "$name"; else printf '=== %s: FAILED\n' "$name"; failed+=("$name"); fi
}
stage rust-tests   cargo test --workspace
stage clippy       cargo clippy --workspace --all-targets -q -- -D warnings
# src/wasm and tests/wasm_boundary.rs exist only on wasm32: lint them there too.
stage clippy-wasm  bash -c '. scripts/env.sh && PATH=$WASM_PATH CARGO_TARGET_DIR=target/wasm cargo clippy -q --target wasm32-unknown-unknown -p apolo-apps --lib --tests -- -D warnings'
stage conformance  bash tests/conformance/run.sh
stage pkg          bash scripts/build-pkg.sh
stage wasm         bash tests/wasm/run.sh
stage node         bash tests/node/run.sh
stage types        bash tests/types/run.sh
stage packaging    bash tests/packaging/run.sh
stage browser      bash tests/browser/run.sh
if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED stages: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nall test stages passed\n'
