#!/usr/bin/env bash
# with-emulator.sh [emulator flags...] -- command...
# Starts the emulator on a free port, exports APOLO_EMULATOR_URL, runs the command, stops the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do flags+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
bin=${APOLO_EMULATOR_BIN:-target/debug/apolo-apps-emulator}
out=$(mktemp)
"$bin" --port 0 "${flags[@]}" >"$out" 2>&1 &
pid=$!
# Exit with the command's status, not with that of the killed emulator (143).
trap 'rc=$?; kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -f "$out"; exit $rc' EXIT
for _ in $(seq 1 200); do
  url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\).*/\1/p' "$out")
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { cat "$out" >&2; exit 1; }
  sleep 0.05
done
[ -n "$url" ] || { echo "emulator did not start" >&2; cat "$out" >&2; exit 1; }
export APOLO_EMULATOR_URL=$url
"$@"
