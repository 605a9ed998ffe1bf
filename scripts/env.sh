# Sourced by the build scripts: chooses how to reach a wasm32 Rust toolchain.
# rustup's route where its toolchain has the target; otherwise Debian's rustc-web
# (its /usr/bin must come first so that cargo/rustc are the wasm-capable ones).
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  WASM_ROUTE=rustup
  WASM_PATH=$PATH
else
  WASM_ROUTE=debian
  WASM_PATH=/usr/bin:$HOME/.cargo/bin:$PATH
fi
export WASM_ROUTE WASM_PATH
