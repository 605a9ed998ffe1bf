// Types of `apolo-apps/slim`: the same API as `apolo-apps`, usable once `init()` has resolved.

/**
 * The same API as `apolo-apps`, with the WebAssembly module loaded explicitly by {@link init}.
 *
 * @packageDocumentation
 * @module apolo-apps/slim
 */
export * from "./index.js";

/**
 * Where `init` takes the WebAssembly module from: its URL (resolved against the page, so pass
 * `new URL(url, import.meta.url)` for a URL relative to your bundle), a `Response` (or a promise of one)
 * such as `fetch(url)`, its bytes, or an already compiled `WebAssembly.Module`.
 */
export type WasmSource = string | URL | Request | Response | PromiseLike<Response> | BufferSource | WebAssembly.Module;

/**
 * Loads and instantiates the package's WebAssembly module. Call it once, and await it, before the first use of
 * any other export: until then they are `undefined`. Later calls return the same promise; after a failure
 * (network, wrong bytes) the next call tries again.
 *
 * @param source The module; default: the `.wasm` beside this file, by `new URL(..., import.meta.url)`.
 * @example
 * ```js
 * // esbuild: --loader:.wasm=file copies the .wasm next to the bundle and imports its relative URL.
 * import { init, ApoloClient } from 'apolo-apps/slim';
 * import wasmUrl from 'apolo-apps/apolo_apps.wasm';
 * await init(new URL(wasmUrl, import.meta.url));
 * ```
 */
export declare function init(source?: WasmSource): Promise<void>;
