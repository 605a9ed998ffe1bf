#!/usr/bin/env bash
# Node tests on the package as users get it (installed from its tarball by install.sh), imported as
# `apolo-apps` (ESM and CommonJS), against the emulator.
set -euo pipefail
cd "$(dirname "$0")"
bash install.sh
# force-exit: a regression that leaves a socket open must fail, not hang.
node --test --test-concurrency=2 --test-force-exit --test-timeout=60000 --test-reporter=spec ./*.test.mjs ./*.test.cjs
