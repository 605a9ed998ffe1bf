#!/usr/bin/env bash
# Runs the conformance suite: the real apolo-sdk 26.9.0 (tests/conformance/.venv, made by
# scripts/setup.sh) against the emulator. Fails on any failure and when no test ran.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$here/.venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.requirements"; then
  echo "conformance: $venv is missing or stale; run scripts/setup.sh (or make setup)" >&2
  exit 1
fi
if [ -z "${APOLO_EMULATOR_BIN:-}" ]; then
  # cheap when up to date; makes sure the suite never runs an old binary
  (cd "$root" && cargo build -q -p apolo-apps-emulator)
fi
mkdir -p "$root/test-output"
cd "$here"
# exit code 5 (nothing collected) is non-zero too; conftest also fails a run where no test passed
exec "$venv/bin/python" -m pytest --junitxml="$root/test-output/conformance.xml" "$@"
