#!/usr/bin/env bash
# Type tests: the packed package's index.d.ts / index.d.cts, used as documented, compiled with
# `tsc --strict` for a Node project (ESM and CommonJS) and a browser project.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
[ -f "$ROOT/pkg/package.json" ] || { echo "pkg/ is not built: run scripts/build-pkg.sh" >&2; exit 1; }

# No `any` on the public surface (comments stripped first).
if sed -e 's://.*$::' -e 's:/\*.*\*/::g' "$ROOT/pkg/index.d.ts" | grep -nw 'any'; then
  echo "index.d.ts uses 'any'" >&2; exit 1
fi

rm -rf .pack && mkdir .pack
tarball=$(cd "$ROOT/pkg" && npm pack --silent --pack-destination "$ROOT/tests/types/.pack" | tail -1)
rm -rf node_modules/apolo-apps
npm install --silent --offline --no-audit --no-fund --no-save --no-package-lock ".pack/$tarball"
tsc=$ROOT/node_modules/.bin/tsc
echo "[types] $("$tsc" --version): node project (ESM + CommonJS)"
"$tsc" -p tsconfig.node.json
echo "[types] browser project"
"$tsc" -p tsconfig.browser.json
echo "[types] ok"
