#!/usr/bin/env bash
# Builds the npm package into pkg/: the crate for wasm32 (wasm-pack --target web; Node runs the same glue as CommonJS),
# wasm-opt from npm's binaryen, the JS layer from pkg-template/ (plus its CommonJS copy by esbuild).
# Idempotent: when the compiled .wasm has not changed, wasm-bindgen and wasm-opt are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# shellcheck source=scripts/env.sh
. scripts/env.sh

OUT=$ROOT/pkg
CRATE=apolo_apps
export CARGO_TARGET_DIR=$ROOT/target/wasm
# The .wasm's own profile: the crate at opt-level 3 (checking a body stays as fast), its
# dependencies at "s" (their non-generic code is cold here). 10 KB gzip less than all at 3, the
# 50-app page check within noise of it (alternating runs); all at "s" was ~30% slower.
# [profile.release] itself stays at 3 for the native builds (the release emulator of the benches).
CARGO_WASM_FLAGS=(--config 'profile.release.opt-level="s"' --config 'profile.release.package.apolo-apps.opt-level=3')
WASM_OPT_FLAGS=(-Os --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-reference-types --enable-multivalue --enable-mutable-globals)
log() { printf '[build-pkg] %s\n' "$*" >&2; }

# One build at a time (the demo, the test suites and people may start it together).
mkdir -p target
exec 9>target/.build-pkg.lock
flock 9

# 1. Compile (a no-op when nothing changed); wasm-pack below runs the same cargo command.
PATH=$WASM_PATH cargo build -q --lib --release --target wasm32-unknown-unknown "${CARGO_WASM_FLAGS[@]}"
raw_wasm=$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/$CRATE.wasm
stamp=$(cat "$raw_wasm" scripts/build-pkg.sh | sha256sum | cut -d' ' -f1)

# 2. wasm-bindgen (through wasm-pack) and wasm-opt, only for a new .wasm.
if [ "$(cat "$OUT/.wasm-stamp" 2>/dev/null)" != "$stamp" ] ||
   [ ! -f "$OUT/wasm/web/${CRATE}_bg.wasm" ] || [ ! -f "$OUT/wasm/node/${CRATE}.cjs" ]; then
  # Built aside, then swapped in, so pkg/ never holds a half-built wasm folder.
  tmp=$OUT/.wasm-build
  rm -rf "$tmp"
  dir=$tmp/web
  log "wasm-pack --target web"
  PATH=$WASM_PATH wasm-pack --quiet build --release --mode no-install --no-pack \
    --target web --out-dir "$dir" --out-name "$CRATE" -- "${CARGO_WASM_FLAGS[@]}" >/dev/null
  log "wasm-opt"
  node_modules/.bin/wasm-opt "${WASM_OPT_FLAGS[@]}" "$dir/${CRATE}_bg.wasm" -o "$dir/${CRATE}_bg.wasm.opt"
  mv "$dir/${CRATE}_bg.wasm.opt" "$dir/${CRATE}_bg.wasm"
  # Keep only what the package ships: wasm-pack's .gitignore ("*") would hide the folder from npm pack.
  find "$dir" -maxdepth 1 -type f ! -name "$CRATE.js" ! -name "${CRATE}_bg.wasm" -delete
  sed -i '/@ts-self-types=/d' "$dir/$CRATE.js" # it names the .d.ts just removed; index.d.ts is the API
  # The JS layer replaces an instance that trapped (lib/api.js): the glue keeps its instance in
  # `wasm` and its compiled module in `wasmModule`, and initSync() instantiates only while `wasm`
  # is unset. Checked, so that a wasm-bindgen update that renames them fails here, not at run time.
  grep -q '^let wasmModule, wasmInstance, wasm;$' "$dir/$CRATE.js" && grep -q 'if (wasm !== undefined) return wasm;' "$dir/$CRATE.js" ||
    { log "the wasm-bindgen glue changed shape: update the re-instantiation hook"; exit 1; }
  cat >>"$dir/$CRATE.js" <<'JS'

/** apolo-apps: a fresh instance of the same module, after the current one trapped. */
export function __apoloReinstantiate() {
    const module = wasmModule;
    wasm = undefined;
    return initSync({ module });
}
JS
  # Node runs the same glue as CommonJS (the .wasm is shared; node.cjs reads it from wasm/web/).
  mkdir -p "$tmp/node"
  node_modules/.bin/esbuild "$dir/$CRATE.js" --format=cjs --platform=node --target=es2022 \
    --log-level=error --outfile="$tmp/node/$CRATE.cjs"
  # The module format of each folder, stated rather than inherited.
  echo '{ "type": "module" }' >"$tmp/web/package.json"
  rm -rf "$OUT/wasm"
  mv "$tmp" "$OUT/wasm"
  echo "$stamp" >"$OUT/.wasm-stamp"
fi

# 3. The JS layer, types, README and package.json (cheap, always refreshed).
mkdir -p "$OUT/lib"
cp pkg-template/web.js pkg-template/node.cjs pkg-template/node.mjs pkg-template/index.d.ts \
  pkg-template/slim.js pkg-template/slim.cjs pkg-template/slim.d.ts pkg-template/workerd.js pkg-template/wasm.d.ts \
  pkg-template/README.md "$OUT/"
# slim's declarations for `require` users: the same, over index.d.cts.
sed 's|"\./index\.js"|"./index.cjs"|' pkg-template/slim.d.ts >"$OUT/slim.d.cts"
cp pkg-template/index.d.ts "$OUT/index.d.cts" # the same declarations, read as CommonJS by `require` users
cp pkg-template/lib/api.js pkg-template/lib/node-transport.cjs "$OUT/lib/"
node_modules/.bin/esbuild pkg-template/lib/api.js --format=cjs --platform=neutral --target=es2022 \
  --log-level=warning --outfile="$OUT/lib/api.cjs"
# package.json with the crate's version.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
node -e '
  const fs = require("fs");
  const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  p.version = process.argv[2];
  fs.writeFileSync(process.argv[3], JSON.stringify(p, null, 2) + "\n");
' pkg-template/package.json "$version" "$OUT/package.json"

# 4. Sizes, measured (the README quotes them).
for f in "$OUT"/wasm/*/"${CRATE}"_bg.wasm; do
  printf '[build-pkg] %s: %s bytes raw, %s bytes gzip -9\n' "${f#"$ROOT"/}" \
    "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)" >&2
done
log "pkg/ ready (apolo-apps $version)"
