#!/usr/bin/env bash
# The packaging matrix (matrix.test.mjs): the packed tarball in every runtime and bundler, type checkers,
# attw, publint and typedoc. Needs pkg/ (scripts/build-pkg.sh), the emulator and target/packaging-tools
# (scripts/setup.sh). Prints the "Runs on" table of this run; `node tests/packaging/runs-on.mjs --write`
# puts it into README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f pkg/package.json ] || { echo "pkg/ is not built: run scripts/build-pkg.sh" >&2; exit 1; }
bin=${APOLO_EMULATOR_BIN:-target/debug/apolo-apps-emulator}
[ -x "$bin" ] || cargo build -q -p apolo-apps-emulator
[ -d target/packaging-tools/node_modules ] || { echo "target/packaging-tools missing: run scripts/setup.sh" >&2; exit 1; }
start=$(date +%s)
status=0
node --test --test-concurrency=1 --test-timeout=180000 --test-reporter=spec tests/packaging/matrix.test.mjs || status=1
echo "[packaging] matrix took $(( $(date +%s) - start )) s"
node tests/packaging/runs-on.mjs --check || status=1
exit $status
