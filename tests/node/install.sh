#!/usr/bin/env bash
# Installs the built pkg/ the way users get it: `npm pack`, then the tarball into tests/node/node_modules,
# where the Node tests and the benchmarks import it as `apolo-apps`.
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
