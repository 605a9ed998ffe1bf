// Browser entry (ESM): instantiates the wasm module once, with its URL relative to this file so that
// bundlers (which understand `new URL(..., import.meta.url)`) and plain <script type="module"> both find it.
import init, * as glue from './wasm/web/apolo_apps.js';
import { createApi } from './lib/api.js';

await init({ module_or_path: new URL('./wasm/web/apolo_apps_bg.wasm', import.meta.url) });

export const {
  ApoloClient, AppState, ApoloError, AuthenticationError, AuthorizationError, ResourceNotFound, ClientError,
  BadGateway, ServerNotAvailable, IllegalArgumentError, ConnectionError, TimeoutError,
} = createApi(glue);
