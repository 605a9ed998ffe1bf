'use strict';
// CommonJS form of slim.js (`require('apolo-apps/slim')`, Node and Bun): the same exports, set by
// init(); without a source, init reads the .wasm shipped in the package.
const glue = require('./wasm/node/apolo_apps.cjs');
const { createApi } = require('./lib/api.cjs');

const NAMES = ['ApoloClient', 'AppState', 'ApoloError', 'AuthenticationError', 'AuthorizationError',
  'ResourceNotFound', 'ClientError', 'BadGateway', 'ServerNotAvailable', 'IllegalArgumentError',
  'ConnectionError', 'TimeoutError'];
let api;
let ready = null;

function init(source) {
  ready ??= (async () => {
    let s = await source;
    if (s === undefined) s = require('node:fs').readFileSync(require('node:path').join(__dirname, 'wasm/web/apolo_apps_bg.wasm'));
    await glue.default({ module_or_path: s });
    api = createApi(glue);
  })().catch((e) => {
    ready = null; // a failed load can be retried
    throw e;
  });
  return ready;
}

exports.init = init;
for (const name of NAMES) Object.defineProperty(exports, name, { enumerable: true, get: () => api?.[name] });
