// A trap inside the wasm instance (a Rust panic, out of memory) must not poison the package: the call
// that met it rejects with a clear ApoloError, and every later call works on a fresh instance. No
// input makes the client panic, so the test arms the module's test trap (its next answer panics)
// through the same glue module the package loaded.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ApoloClient, ApoloError, ResourceNotFound } from 'apolo-apps';
import { DEMO, collect, startEmulator } from './helpers.mjs';

const require = createRequire(import.meta.url);
const pkgDir = path.dirname(require.resolve('apolo-apps/package.json'));
const glue = require(path.join(pkgDir, 'wasm/node/apolo_apps.cjs'));

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(() => emu.reset());

const internal = (e) => e instanceof ApoloError && /internal error \(.*test trap/.test(e.message) && /reloaded/.test(e.message);

test('a trap rejects the call that met it, and the next call works on a fresh instance', async () => {
  const client = emu.client();
  assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd);
  glue.__apoloArmTestTrap();
  await assert.rejects(client.apps.get(DEMO.sd), internal);
  // The same client, a new one, and error mapping all work after it; timestamps come from the new
  // instance's memory.
  assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd);
  const app = await emu.client().apps.get(DEMO.vscode);
  assert.equal(app.id, DEMO.vscode);
  const raw = await (await fetch(`${emu.url}/apis/apps/v2/instances/${DEMO.vscode}`, { headers: { authorization: `Bearer ${emu.token}` } })).json();
  assert.deepEqual([app.created_at.getTime(), app.updated_at.getTime()], [Date.parse(raw.created_at), Date.parse(raw.updated_at)]);
  await assert.rejects(client.apps.get('no-such-app'), ResourceNotFound);
  assert.ok((await collect(client.apps.list())).length > 0);
});

test('a trap while an iterator is open: that iterator fails, a new one works', async () => {
  const client = emu.client();
  await emu.settings({ page_size: 2 }).catch(() => {}); // smaller pages where the emulator allows it
  const it = client.apps.list();
  const first = await it.next();
  assert.equal(first.done, false);
  glue.__apoloArmTestTrap();
  await assert.rejects(client.apps.get(DEMO.sd), internal);
  // The iterator's call belonged to the replaced instance: it ends with an error, or it had no
  // further page to ask for. Either way it never hangs and never yields stale state.
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
    }
  } catch (e) {
    assert.ok(e instanceof ApoloError, String(e));
  }
  assert.ok((await collect(client.apps.list())).length > 0);
});

test('a client made by connect() keeps what it learnt from /config after a trap', async () => {
  const client = await ApoloClient.connect({ apiUrl: emu.apiUrl, token: emu.token });
  const { cluster, org, project } = client;
  assert.ok(cluster && org && project);
  glue.__apoloArmTestTrap();
  await assert.rejects(client.apps.get(DEMO.sd), internal);
  assert.deepEqual([client.cluster, client.org, client.project], [cluster, org, project]);
  assert.ok(Array.isArray(await collect(client.apps.list())));
});

// In a fresh process the first client made is handle 1 in the core, the second handle 2.
const FREED = `
  import { createRequire } from 'node:module';
  import path from 'node:path';
  import { ApoloClient } from 'apolo-apps';
  const require = createRequire(import.meta.url);
  const glue = require(path.join(path.dirname(require.resolve('apolo-apps/package.json')), 'wasm/node/apolo_apps.cjs'));
  const live = (handle) => { try { glue.clientInfo(handle); return true; } catch { return false; } };
  const options = { apiUrl: 'http://127.0.0.1:9/api/v1', token: 't', project: 'p' };
  let dropped = new ApoloClient(options);
  const kept = new ApoloClient(options);
  const before = [live(1), live(2)];
  dropped = null;
  for (let i = 0; i < 50 && live(1); i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
  console.log(JSON.stringify({ before, after: [live(1), live(2)], kept: kept.project }));
`;

test('the core frees a client once its ApoloClient is garbage, and keeps the ones in use', async () => {
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--input-type=module', '-e', FREED],
      { cwd: path.dirname(fileURLToPath(import.meta.url)) },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
  });
  assert.deepEqual(JSON.parse(out), { before: [true, true], after: [false, true], kept: 'p' });
});

// A list iterator dropped between pages without return(): its call is freed in the core once the
// iterator is garbage. Pages come from a `fetch` answering canned pages (two pages of one app).
const ABANDONED = `
  import { createRequire } from 'node:module';
  import path from 'node:path';
  import { ApoloClient } from 'apolo-apps';
  const require = createRequire(import.meta.url);
  const glue = require(path.join(path.dirname(require.resolve('apolo-apps/package.json')), 'wasm/node/apolo_apps.cjs'));
  const app = { id: 'a', name: 'n', display_name: null, template_name: 't', template_version: 'v', project_name: 'p',
    org_name: 'o', cluster_name: 'c', namespace: 'ns', state: 'healthy', creator: 'u',
    created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', endpoints: [] };
  const fetch = async () => new Response(JSON.stringify({ items: [app], pages: 2 }), { status: 200 });
  const c = new ApoloClient({ apiUrl: 'http://127.0.0.1:9/api/v1', token: 't', cluster: 'c', org: 'o', project: 'p', fetch });
  const kept = c.apps.list();
  await kept.next();
  let dropped = c.apps.list();
  await dropped.next();
  const before = glue.opsInUse();
  dropped = null;
  for (let i = 0; i < 50 && glue.opsInUse() > 1; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
  const after = glue.opsInUse();
  const next = await kept.next();
  console.log(JSON.stringify({ before, after, keptGoesOn: next.done === false && next.value.id === 'a' }));
`;

test('a list iterator dropped between pages frees its call in the core once it is garbage', async () => {
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--input-type=module', '-e', ABANDONED],
      { cwd: path.dirname(fileURLToPath(import.meta.url)) },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
  });
  assert.deepEqual(JSON.parse(out), { before: 2, after: 1, keptGoesOn: true });
});

// A logs iterator dropped after its first chunk, without return(): the socket is closed (1000) once
// the iterator is garbage. The app is healthy, so its stream never ends by itself.
const DROPPED_LOGS = `
  import WebSocket from 'ws';
  import { ApoloClient } from 'apolo-apps';
  let closeCode;
  const c = new ApoloClient({
    apiUrl: process.env.API, token: process.env.TOKEN, cluster: 'default', org: 'superorg', project: 'alpha',
    WebSocket, onResponse: (r) => { if (r.closeCode !== undefined) closeCode = r.closeCode; },
  });
  let it = c.apps.logs(process.env.APP);
  const first = await it.next();
  const open = closeCode === undefined;
  it = null;
  for (let i = 0; i < 100 && closeCode === undefined; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
  console.log(JSON.stringify({ chunk: first.value.byteLength > 0, open, closeCode }));
  process.exit(0); // a socket left open would keep the process alive
`;

test('a logs iterator dropped without return() closes its socket once it is garbage', async () => {
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '--input-type=module', '-e', DROPPED_LOGS], {
      cwd: path.dirname(fileURLToPath(import.meta.url)),
      env: { ...process.env, API: emu.apiUrl, TOKEN: emu.token, APP: DEMO.vscode },
    }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
  });
  assert.deepEqual(JSON.parse(out), { chunk: true, open: true, closeCode: 1000 });
});

// Items of a page already fetched are handed out one by one: an abort between them rejects the next
// pull with the signal's reason, ends the iterator and frees its call in the core at once (no GC).
test('an abort between the items of a page ends the iterator and frees its call', async () => {
  const app = {
    id: 'a', name: 'n', display_name: null, template_name: 't', template_version: 'v', project_name: 'p',
    org_name: 'o', cluster_name: 'c', namespace: 'ns', state: 'healthy', creator: 'u',
    created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', endpoints: [],
  };
  const fetch = async () => new Response(JSON.stringify({ items: [app, { ...app, id: 'b' }], pages: 2 }));
  const c = new ApoloClient({ apiUrl: 'http://127.0.0.1:9/api/v1', token: 't', cluster: 'c', org: 'o', project: 'p', fetch });
  const ctl = new AbortController();
  const it = c.apps.list({ signal: ctl.signal });
  const before = glue.opsInUse();
  assert.equal((await it.next()).value.id, 'a');
  assert.equal(glue.opsInUse(), before + 1, 'the call is in progress (page 2 to come)');
  const reason = new Error('enough');
  ctl.abort(reason);
  await assert.rejects(it.next(), (e) => e === reason);
  assert.equal(glue.opsInUse(), before, 'freed by the abort');
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});
