#!/usr/bin/env bash
# Page tests of the demo dashboard: node:test + playwright-core driving Debian's Chromium against the
# emulator (started by the tests). Needs the built package (pkg/) and the emulator binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f pkg/web.js ] || { echo "pkg/web.js missing: run scripts/build-pkg.sh first" >&2; exit 1; }
bin=${APOLO_EMULATOR_BIN:-target/debug/apolo-apps-emulator}
[ -x "$bin" ] || cargo build -q -p apolo-apps-emulator
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium missing: run scripts/setup.sh" >&2; exit 1; }
mkdir -p test-output/screenshots
exec node --test --test-concurrency=1 --test-reporter=spec tests/browser/*.test.mjs
