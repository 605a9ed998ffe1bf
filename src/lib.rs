//! apolo-apps: the Apolo Apps API client. `core` is plain Rust (tested natively);
//! `wasm` is the thin wasm-bindgen boundary the JS layer in `pkg-template/` wraps.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
