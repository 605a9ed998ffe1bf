// Entry for Cloudflare Workers (the `workerd` and `worker` export conditions). Edge runtimes do not
// compile WebAssembly from fetched bytes: the .wasm is imported as a module (wrangler and workerd turn
// a `.wasm` import into a compiled WebAssembly.Module) and instantiated synchronously.
import wasmModule from './wasm/web/apolo_apps_bg.wasm';
import * as glue from './wasm/web/apolo_apps.js';
import { createApi } from './lib/api.js';

glue.initSync({ module: wasmModule });

export const {
  ApoloClient, AppState, ApoloError, AuthenticationError, AuthorizationError, ResourceNotFound, ClientError,
  BadGateway, ServerNotAvailable, IllegalArgumentError, ConnectionError, TimeoutError,
} = createApi(glue);
