// Entry with explicit initialisation (`apolo-apps/slim`): nothing is loaded until `await init(source)`,
// for bundlers that do not copy assets named by `new URL(..., import.meta.url)` (esbuild), a .wasm hosted
// elsewhere, or a WebAssembly.Module compiled by the host. The exports are live bindings, set by init().
import initGlue, * as glue from './wasm/web/apolo_apps.js';
import { createApi } from './lib/api.js';

export let ApoloClient, AppState, ApoloError, AuthenticationError, AuthorizationError, ResourceNotFound,
  ClientError, BadGateway, ServerNotAvailable, IllegalArgumentError, ConnectionError, TimeoutError;

let ready = null;

/**
 * Loads the wasm module once; later calls return the same promise. `source`: a URL (or string), a
 * Response (or a promise of one), the bytes, or a WebAssembly.Module; default: the .wasm beside this file.
 */
export function init(source) {
  ready ??= (async () => {
    await initGlue(source === undefined ? undefined : { module_or_path: await source });
    ({
      ApoloClient, AppState, ApoloError, AuthenticationError, AuthorizationError, ResourceNotFound, ClientError,
      BadGateway, ServerNotAvailable, IllegalArgumentError, ConnectionError, TimeoutError,
    } = createApi(glue));
  })().catch((e) => {
    ready = null; // a failed load (network, wrong bytes) can be retried
    throw e;
  });
  return ready;
}
