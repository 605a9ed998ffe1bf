//! apolo-apps: the Apolo Apps API client. `core` is plain Rust (tested natively);
//! `wasm` is the thin wasm-bindgen boundary the JS layer in `pkg-template/` wraps.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

// talc instead of Rust's default dlmalloc: ~3 KB gzip smaller and faster per allocation.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
