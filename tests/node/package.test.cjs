// The package as a CommonJS user gets it: require('apolo-apps'), the same instance as ESM import,
// and the published file layout.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test, before, after } = require('node:test');
const WebSocket = require('ws');

const api = require('apolo-apps');
const pkgDir = path.dirname(require.resolve('apolo-apps/package.json'));
const EXPORTS = ['ApoloClient', 'AppState', 'ApoloError', 'AuthenticationError', 'AuthorizationError',
  'ResourceNotFound', 'ClientError', 'BadGateway', 'ServerNotAvailable', 'IllegalArgumentError',
  'ConnectionError', 'TimeoutError'];

let emu;
before(async () => {
  const { startEmulator } = await import('./helpers.mjs');
  emu = await startEmulator();
});
after(() => emu && emu.stop());

test('require() exposes the documented names, identical to the ESM ones', async () => {
  assert.deepEqual(Object.keys(api).sort(), [...EXPORTS].sort());
  const esm = await import('apolo-apps');
  for (const name of EXPORTS) assert.equal(esm[name], api[name], name);
  for (const name of EXPORTS.filter((n) => n.endsWith('Error') || n === 'ResourceNotFound' || n === 'BadGateway' || n === 'ServerNotAvailable')) {
    const e = new api[name]('m', { status: 418, url: 'http://x/', method: 'GET', payload: { a: 1 } });
    assert.ok(e instanceof Error && e instanceof api.ApoloError, name);
    assert.equal(e.name, name);
    assert.equal(e.message, 'm');
    assert.equal(e.status, 418);
    assert.deepEqual(e.payload, { a: 1 });
  }
});

test('a call through require()', async () => {
  const client = new api.ApoloClient({ apiUrl: emu.apiUrl, token: emu.token, project: 'alpha', cluster: 'default', org: 'superorg', WebSocket });
  const templates = [];
  for await (const t of client.apps.listTemplates()) templates.push(t.name);
  assert.equal(templates.length, 5);
  await assert.rejects(client.apps.get('nope'), api.ResourceNotFound);
  const lines = [];
  for await (const l of client.apps.logLines('9d4a2e6b-1f7c-4e3a-8b5d-c0e2f4a6b8d1')) lines.push(l);
  assert.equal(lines.length, 40);
});

test('package.json: name, engines, exports conditions, files that exist', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'apolo-apps');
  assert.equal(pkg.engines.node, '>=20');
  const root = pkg.exports['.'];
  // Each condition names its own types (publint: one `types` for both import and require is ambiguous).
  assert.deepEqual(Object.keys(root), ['workerd', 'browser', 'worker', 'node', 'default']);
  assert.deepEqual(Object.keys(root.node), ['import', 'require']);
  assert.equal(root.node.require.types, './index.d.cts');
  for (const c of [root.workerd, root.browser, root.worker, root.node.import, root.default]) assert.equal(c.types, './index.d.ts');
  for (const f of pkg.files) assert.ok(fs.existsSync(path.join(pkgDir, f)), `${f} is in the tarball`);
  // Nothing internal leaks in: no wasm-bindgen .d.ts, no .gitignore.
  const all = fs.readdirSync(pkgDir, { recursive: true });
  assert.ok(!all.some((f) => f.endsWith('.gitignore') || /wasm\/.*\.d\.ts$/.test(f)), all.join(' '));
});

test('the browser entry initialises the wasm from a URL next to it', () => {
  const web = fs.readFileSync(path.join(pkgDir, 'web.js'), 'utf8');
  assert.match(web, /new URL\('\.\/wasm\/web\/apolo_apps_bg\.wasm', import\.meta\.url\)/);
  assert.ok(fs.statSync(path.join(pkgDir, 'wasm/web/apolo_apps_bg.wasm')).size > 1000);
});
