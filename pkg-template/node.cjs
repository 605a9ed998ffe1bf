'use strict';
// Node entry (CommonJS). node.mjs re-exports this module, so ESM and CJS users share one wasm
// instance and one set of classes (instanceof works across both).
const wasm = require('./wasm/node/apolo_apps.js');
const { createApi } = require('./lib/api.cjs');

module.exports = createApi(wasm);
