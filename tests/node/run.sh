#!/usr/bin/env bash
# Node tests on the package as users get it: `npm pack` of the built pkg/, installed from the tarball
# into tests/node/node_modules, imported as `apolo-apps` (ESM and CommonJS), against the emulator.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
[ -f "$ROOT/pkg/package.json" ] || { echo "pkg/ is not built: run scripts/build-pkg.sh" >&2; exit 1; }
[ -x "${APOLO_EMULATOR_BIN:-$ROOT/target/debug/apolo-apps-emulator}" ] ||
  { echo "the emulator is not built: cargo build -p apolo-apps-emulator" >&2; exit 1; }

rm -rf .pack && mkdir .pack
tarball=$(cd "$ROOT/pkg" && npm pack --silent --pack-destination "$ROOT/tests/node/.pack" | tail -1)
echo "[node-tests] packed $tarball ($(wc -c <".pack/$tarball") bytes)"
rm -rf node_modules/apolo-apps
npm install --silent --offline --no-audit --no-fund --no-save --no-package-lock ".pack/$tarball"
# force-exit: a regression that leaves a socket open must fail, not hang.
node --test --test-concurrency=2 --test-force-exit --test-timeout=60000 --test-reporter=spec ./*.test.mjs ./*.test.cjs
