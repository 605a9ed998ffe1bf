// Types of `apolo-apps/apolo_apps.wasm`. What importing a .wasm gives depends on the tool: a URL string
// with esbuild's file loader (or Vite's `?url`), a compiled module in Cloudflare Workers; `init` of
// `apolo-apps/slim` takes either.
/** The package's WebAssembly module, as the importing tool represents a .wasm file. */
declare const wasm: string | WebAssembly.Module;
export default wasm;
