'use strict';
// Node entry (CommonJS). node.mjs re-exports this module, so ESM and CJS users share one wasm
// instance and one set of classes (instanceof works across both). HTTP goes through node:http
// with keep-alive unless the `fetch` option is given.
const fs = require('node:fs');
const path = require('node:path');
const glue = require('./wasm/node/apolo_apps.cjs');
const { createApi, startDeadline, stopDeadline } = require('./lib/api.cjs');
const { nodeTransport } = require('./lib/node-transport.cjs');

glue.initSync({ module: new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'wasm/web/apolo_apps_bg.wasm'))) });

module.exports = createApi(glue, {
  transport: nodeTransport({ 'http:': () => require('node:http'), 'https:': () => require('node:https') }, { startDeadline, stopDeadline }),
  env: process.env,
});
