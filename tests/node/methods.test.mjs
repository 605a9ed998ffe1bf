// Every method and every optional argument against the emulator, checking the results and the wire:
// the emulator's request log must show what the Python SDK 26.9.0 sends (apolo-apps-api.md Appendix B).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ApoloClient, AppState, IllegalArgumentError, ResourceNotFound } from 'apolo-apps';
import WebSocket from 'ws';
import { ACTIVE_STATES, DEMO, V1, V1_TEST3, collect, startEmulator } from './helpers.mjs';

let emu;
let client;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(async () => {
  await emu.reset();
  client = emu.client();
});

function assertApp(app) {
  assert.ok(app.display_name === null || typeof app.display_name === 'string');
  for (const k of ['id', 'name', 'template_name', 'template_version', 'project_name', 'org_name',
    'cluster_name', 'namespace', 'state', 'creator']) {
    assert.equal(typeof app[k], 'string', `App.${k}`);
  }
  assert.ok(app.created_at instanceof Date && !Number.isNaN(app.created_at.getTime()), 'created_at is a Date');
  assert.ok(app.updated_at instanceof Date && !Number.isNaN(app.updated_at.getTime()), 'updated_at is a Date');
  assert.ok(Array.isArray(app.endpoints));
}

/** An app created through the control API, then the request log cleared. */
async function makeApp(fields) {
  const app = await emu.addApp(fields);
  await emu.clearRequests();
  return app;
}

describe('connect and the client', () => {
  test('connect picks cluster, first org, alphabetically first project (as apolo-cli login)', async () => {
    const c = await ApoloClient.connect({ apiUrl: emu.apiUrl, token: emu.token });
    assert.equal(c.cluster, 'default');
    assert.equal(c.org, 'superorg');
    assert.equal(c.project, 'alpha');
    assert.deepEqual(await emu.wire(), ['GET /api/v1/config']);
    const auth = (await emu.requests())[0].headers.authorization;
    assert.equal(auth, `Bearer ${emu.token}`);
    // The defaults are used by the calls.
    await collect(c.apps.listTemplates());
    assert.equal((await emu.wire())[1], `GET ${V1}/templates`);
  });

  test('connect keeps what the options give', async () => {
    const c = await ApoloClient.connect({ apiUrl: emu.apiUrl, token: emu.token, project: 'test3' });
    assert.equal(c.project, 'test3');
    assert.equal(c.cluster, 'default');
  });

  test('the constructor sends nothing and exposes read-only defaults', async () => {
    const c = new ApoloClient({ apiUrl: emu.apiUrl, token: emu.token, cluster: 'default', org: 'superorg', project: 'beta' });
    assert.equal(c.project, 'beta');
    assert.throws(() => { c.project = 'x'; }, TypeError);
    assert.equal(c.project, 'beta');
    assert.deepEqual(await emu.wire(), []);
    const bare = new ApoloClient({ apiUrl: emu.apiUrl, token: emu.token });
    assert.equal(bare.cluster, undefined);
    assert.equal(bare.project, undefined);
  });

  test('the fetch option carries every HTTP request', async () => {
    const seen = [];
    const fetch = (input, init) => {
      seen.push(typeof input === 'string' ? input : input.url);
      return globalThis.fetch(input, init);
    };
    const c = await ApoloClient.connect({ apiUrl: emu.apiUrl, token: emu.token, fetch });
    await c.apps.get(DEMO.sd);
    await collect(c.apps.listTemplates());
    assert.deepEqual(seen, [`${emu.apiUrl}/config`, `${emu.url}/apis/apps/v2/instances/${DEMO.sd}`, `${emu.url}${V1}/templates`]);
  });

  test('connect takes a signal', async () => {
    const ctl = new AbortController();
    const reason = new Error('no');
    ctl.abort(reason);
    await assert.rejects(ApoloClient.connect({ apiUrl: emu.apiUrl, token: emu.token, signal: ctl.signal }), (e) => e === reason);
    assert.deepEqual(await emu.wire(), []);
  });

  test('AppState is the frozen set of states', () => {
    assert.deepEqual({ ...AppState }, {
      QUEUED: 'queued', PROGRESSING: 'progressing', HEALTHY: 'healthy', DEGRADED: 'degraded',
      ERRORED: 'errored', UNINSTALLING: 'uninstalling', UNINSTALLED: 'uninstalled',
    });
    assert.ok(Object.isFrozen(AppState));
  });
});

describe('list', () => {
  const N = 120; // generated seed: all in default/superorg/alpha, state = ACTIVE_STATES+uninstalled[i % 7]
  const query = (page, extra = '') => `GET /apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=${page}${extra}`;

  test('all pages, without states (Appendix B #4-5)', async () => {
    await emu.reset({ seed: 'generated', apps: N });
    const apps = await collect(client.apps.list());
    assert.equal(apps.length, N);
    assert.equal(new Set(apps.map((a) => a.id)).size, N);
    apps.forEach(assertApp);
    assert.deepEqual(await emu.wire(), [query(1), query(2), query(3)]);
  });

  test('all pages, with states (Appendix B #2-3)', async () => {
    await emu.reset({ seed: 'generated', apps: N });
    const apps = await collect(client.apps.list({ states: ACTIVE_STATES }));
    const expected = Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 !== 6).length;
    assert.equal(apps.length, expected);
    assert.ok(apps.every((a) => a.state !== 'uninstalled'));
    const states = ACTIVE_STATES.map((s) => `&states=${s}`).join('');
    assert.deepEqual(await emu.wire(), [query(1, states), query(2, states), query(3, states)]);
  });

  test('one state, and AppState values', async () => {
    await emu.reset({ seed: 'generated', apps: 30 });
    const apps = await collect(client.apps.list({ states: [AppState.UNINSTALLED] }));
    assert.ok(apps.length > 0);
    assert.ok(apps.every((a) => a.state === 'uninstalled'));
    assert.deepEqual(await emu.wire(), [query(1, '&states=uninstalled')]);
  });

  test('cluster, org and project options', async () => {
    await collect(client.apps.list({ project: 'test3' }));
    const apps = await collect(client.apps.list({ cluster: 'default', org: 'superorg', project: 'test3' }));
    assert.deepEqual(new Set(apps.map((a) => a.id)), new Set([DEMO.sd, DEMO.jupyterTest3]));
    await collect(client.apps.list({ cluster: 'c2', org: 'o2', project: 'p2' }));
    assert.deepEqual(await emu.wire(), [
      'GET /apis/apps/v2/instances?cluster=default&org=superorg&project=test3&page=1',
      'GET /apis/apps/v2/instances?cluster=default&org=superorg&project=test3&page=1',
      'GET /apis/apps/v2/instances?cluster=c2&org=o2&project=p2&page=1',
    ]);
  });

  test('an empty result (pages: 0) is one request', async () => {
    await emu.reset({ seed: 'empty' });
    assert.deepEqual(await collect(client.apps.list()), []);
    assert.deepEqual(await emu.wire(), [query(1)]);
  });

  test('a missing `pages` counts as 1, as the SDK reads it', async () => {
    await emu.reset({ seed: 'generated', apps: N });
    await emu.settings({ pages: 'omit' });
    try {
      const apps = await collect(client.apps.list());
      assert.equal(apps.length, 50);
      assert.deepEqual(await emu.wire(), [query(1)]);
    } finally {
      await emu.settings({ pages: 'ceil' });
    }
  });

  test('no project: IllegalArgumentError before anything is sent', async () => {
    const c = new ApoloClient({ apiUrl: emu.apiUrl, token: emu.token, WebSocket });
    await assert.rejects(collect(c.apps.list()), IllegalArgumentError);
    await assert.rejects(c.apps.install({ template_name: 'shell', template_version: 'latest', input: {} }), IllegalArgumentError);
    assert.deepEqual(await emu.wire(), []);
  });
});

describe('getUpgrades', () => {
  test('two ids (Appendix B #6)', async () => {
    const res = await client.apps.getUpgrades([DEMO.sd, DEMO.vscode]);
    assert.deepEqual(res.map((u) => u.id), [DEMO.sd, DEMO.vscode]);
    const sd = res[0];
    assert.equal(sd.template_name, 'stable-diffusion');
    assert.equal(sd.template_version, 'v25.5.1');
    assert.deepEqual(sd.available_versions, ['master', 'v25.6.0', 'v25.5.2']);
    assert.deepEqual(await emu.wire(), [`GET /apis/apps/v2/instances/upgrades?id=${DEMO.sd}&id=${DEMO.vscode}`]);
  });

  test('batches of 100 ids, results in input order', async () => {
    await emu.reset({ seed: 'generated', apps: 250 });
    const ids = Array.from({ length: 250 }, (_, i) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`).reverse();
    const res = await client.apps.getUpgrades(ids);
    assert.deepEqual(res.map((u) => u.id), ids);
    const reqs = await emu.requests();
    assert.equal(reqs.length, 3);
    assert.deepEqual(reqs.map((r) => r.query.split('&').length), [100, 100, 50]);
    assert.deepEqual(reqs.flatMap((r) => r.query.split('&').map((kv) => kv.slice(3))), ids);
  });

  test('no ids: no request', async () => {
    assert.deepEqual(await client.apps.getUpgrades([]), []);
    assert.deepEqual(await emu.wire(), []);
  });
});

describe('get', () => {
  test('one app (Appendix B #7)', async () => {
    const app = await client.apps.get(DEMO.sd);
    assertApp(app);
    assert.equal(app.id, DEMO.sd);
    assert.equal(app.template_name, 'stable-diffusion');
    assert.equal(app.project_name, 'test3');
    assert.equal(app.state, AppState.HEALTHY);
    assert.deepEqual(await emu.wire(), [`GET /apis/apps/v2/instances/${DEMO.sd}`]);
    const [req] = await emu.requests();
    assert.equal(req.headers.authorization, `Bearer ${emu.token}`);
    assert.equal(req.headers['content-type'], undefined);
    assert.equal(req.body, null);
  });
});

describe('install', () => {
  test('in the default project (Appendix B #8)', async () => {
    const data = { template_name: 'shell', template_version: 'latest', input: {} };
    const app = await client.apps.install(data);
    assertApp(app);
    assert.equal(app.template_name, 'shell');
    assert.equal(app.template_version, 'v25.7.0');
    assert.equal(app.project_name, 'alpha');
    assert.equal(app.state, 'queued');
    const [req] = await emu.requests();
    assert.equal(`${req.method} ${req.path}`, `POST ${V1}/instances`);
    assert.equal(req.query, '');
    assert.deepEqual(JSON.parse(req.body), data);
    assert.deepEqual(Object.keys(JSON.parse(req.body)), Object.keys(data));
    assert.match(req.headers['content-type'], /^application\/json/);
    assert.equal((await client.apps.get(app.id)).id, app.id);
  });

  test('the body is sent exactly as given, with cluster/org/project options', async () => {
    const data = { template_name: 'shell', template_version: 'v25.6.0', display_name: 'mine', input: { preset: { name: 'cpu' } } };
    const app = await client.apps.install(data, { cluster: 'default', org: 'superorg', project: 'beta' });
    assert.equal(app.project_name, 'beta');
    assert.equal(app.display_name, 'mine');
    const [req] = await emu.requests();
    assert.equal(req.path, '/apis/apps/v1/cluster/default/org/superorg/project/beta/instances');
    assert.deepEqual(JSON.parse(req.body), data);
  });

  test('a body of megabytes, not ASCII, is sent whole and read back (the .wasm\'s memory grows under the steps)', async () => {
    const displayName = 'é€😀'.repeat(110_000); // ~1 MB of UTF-8, the emulator's limit
    const data = { template_name: 'shell', template_version: 'latest', display_name: displayName, input: {} };
    assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd); // steps read before the memory grew
    const app = await client.apps.install(data);
    assert.equal(app.display_name, displayName);
    const install = (await emu.requests()).find((r) => r.method === 'POST');
    assert.equal(Number(install.headers['content-length']), Buffer.byteLength(JSON.stringify(data)));
    assert.equal((await client.apps.get(app.id)).display_name, displayName);
  });
});

describe('configure', () => {
  let id;
  beforeEach(async () => {
    id = (await makeApp({ project_name: 'test3', template_name: 'shell', template_version: 'v25.5.1' })).id;
  });

  test('same version: GET then PUT in the instance\'s project (Appendix B #9-10)', async () => {
    const app = await client.apps.configure(id,
      { template_name: 'shell', template_version: 'v25.5.1', display_name: 'x', input: { preset: { name: 'cpu' } } },
      { comment: 'c' });
    assert.equal(app.id, id);
    assert.equal(app.display_name, 'x');
    const reqs = await emu.requests();
    assert.deepEqual(reqs.map((r) => `${r.method} ${r.path}`), [
      `GET /apis/apps/v2/instances/${id}`, `PUT ${V1_TEST3}/instances/${id}`]);
    assert.equal(reqs[1].body && JSON.stringify(JSON.parse(reqs[1].body)),
      JSON.stringify({ display_name: 'x', input: { preset: { name: 'cpu' } }, comment: 'c' }));
  });

  test('upgrade: GET, template, PUT with template_version (Appendix B #11-13)', async () => {
    const app = await client.apps.configure(id,
      { input: { preset: { name: 'cpu' } }, template_version: 'v25.6.0' }, { upgrade: true });
    assert.equal(app.template_version, 'v25.6.0');
    const reqs = await emu.requests();
    assert.deepEqual(reqs.map((r) => `${r.method} ${r.path}`), [
      `GET /apis/apps/v2/instances/${id}`,
      `GET ${V1_TEST3}/templates/shell/v25.6.0`,
      `PUT ${V1_TEST3}/instances/${id}`]);
    assert.equal(JSON.stringify(JSON.parse(reqs[2].body)),
      JSON.stringify({ input: { preset: { name: 'cpu' } }, template_version: 'v25.6.0' }));
  });

  test('no template_version: the schema guard reads the installed version\'s template', async () => {
    await client.apps.configure(id, { input: { preset: { name: 'gpu' } } });
    const reqs = await emu.requests();
    assert.deepEqual(reqs.map((r) => `${r.method} ${r.path}`), [
      `GET /apis/apps/v2/instances/${id}`,
      `GET ${V1_TEST3}/templates/shell/v25.5.1`,
      `PUT ${V1_TEST3}/instances/${id}`]);
    assert.deepEqual(JSON.parse(reqs[2].body), { input: { preset: { name: 'gpu' } } });
  });

  test('display_name: null is sent; template_name never is', async () => {
    await client.apps.configure(id, { template_name: 'shell', template_version: 'v25.5.1', display_name: null });
    const put = (await emu.requests()).at(-1);
    assert.deepEqual(JSON.parse(put.body), { display_name: null });
  });

  test('undefined input keys are refused client-side, nothing is PUT', async () => {
    await assert.rejects(
      client.apps.configure(id, { template_version: 'v25.6.0', input: { no_such_key: 1 } }),
      (e) => e instanceof IllegalArgumentError && /no_such_key/.test(e.message));
    assert.ok((await emu.requests()).every((r) => r.method !== 'PUT'));
  });

  test('another template is refused client-side after the GET', async () => {
    await assert.rejects(client.apps.configure(id, { template_name: 'jupyter', input: {} }), IllegalArgumentError);
    assert.deepEqual(await emu.wire(), [`GET /apis/apps/v2/instances/${id}`]);
  });

  test('upgrade without template_version is refused', async () => {
    await assert.rejects(client.apps.configure(id, { input: {} }, { upgrade: true }), IllegalArgumentError);
    assert.ok((await emu.requests()).every((r) => r.method !== 'PUT'));
  });
});

describe('uninstall', () => {
  test('plain and forced (Appendix B #14-15)', async () => {
    assert.equal(await client.apps.uninstall(DEMO.vscode), undefined);
    assert.equal(await client.apps.uninstall(DEMO.postgres, { force: true }), undefined);
    await client.apps.uninstall(DEMO.jupyter, { force: false });
    assert.deepEqual(await emu.wire(), [
      `DELETE ${V1}/instances/${DEMO.vscode}`,
      `DELETE ${V1}/instances/${DEMO.postgres}?force=true`,
      `DELETE ${V1}/instances/${DEMO.jupyter}`,
    ]);
    assert.ok(['uninstalling', 'uninstalled'].includes((await client.apps.get(DEMO.vscode)).state));
    assert.equal((await client.apps.get(DEMO.postgres)).state, 'uninstalled');
  });

  test('cluster/org/project options', async () => {
    await client.apps.uninstall(DEMO.jupyterTest3, { cluster: 'default', org: 'superorg', project: 'test3' });
    assert.deepEqual(await emu.wire(), [`DELETE ${V1_TEST3}/instances/${DEMO.jupyterTest3}`]);
  });
});

describe('getValues', () => {
  test('all values, by type (Appendix B #16), by app (#17)', async () => {
    const all = await collect(client.apps.getValues());
    assert.ok(all.length > 0);
    for (const v of all) {
      assert.equal(typeof v.instance_id, 'string');
      assert.equal(typeof v.type, 'string');
      assert.equal(typeof v.path, 'string');
      assert.ok('value' in v);
    }
    const type = all[0].type;
    const typed = await collect(client.apps.getValues({ valueType: type }));
    assert.ok(typed.length > 0 && typed.every((v) => v.type === type));
    const mine = await collect(client.apps.getValues({ appId: DEMO.vscode }));
    assert.ok(mine.length > 0 && mine.every((v) => v.instance_id === DEMO.vscode));
    const both = await collect(client.apps.getValues({ appId: DEMO.vscode, valueType: 'NoSuchType' }));
    assert.deepEqual(both, []);
    assert.deepEqual(await emu.wire(), [
      `GET ${V1}/instances/values`,
      `GET ${V1}/instances/values?type=${encodeURIComponent(type)}`,
      `GET ${V1}/instances/${DEMO.vscode}/values`,
      `GET ${V1}/instances/${DEMO.vscode}/values?type=NoSuchType`,
    ]);
  });

  test('cluster/org/project options', async () => {
    const vals = await collect(client.apps.getValues({ appId: DEMO.sd, project: 'test3', org: 'superorg', cluster: 'default' }));
    assert.ok(vals.length > 0);
    assert.deepEqual(await emu.wire(), [`GET ${V1_TEST3}/instances/${DEMO.sd}/values`]);
  });
});

describe('templates', () => {
  test('listTemplates (Appendix B #18)', async () => {
    const ts = await collect(client.apps.listTemplates());
    assert.deepEqual(ts.map((t) => t.name).sort(), ['jupyter', 'postgres', 'shell', 'stable-diffusion', 'vscode']);
    const shell = ts.find((t) => t.name === 'shell');
    assert.equal(shell.version, 'v25.7.0');
    assert.equal(typeof shell.title, 'string');
    assert.ok(Array.isArray(shell.tags));
    assert.equal(shell.input, null);
    assert.equal(shell.description, '');
    await collect(client.apps.listTemplates({ cluster: 'default', org: 'superorg', project: 'test3' }));
    assert.deepEqual(await emu.wire(), [`GET ${V1}/templates`, `GET ${V1_TEST3}/templates`]);
  });

  test('listTemplateVersions (Appendix B #19)', async () => {
    const vs = await collect(client.apps.listTemplateVersions('shell'));
    assert.deepEqual(vs.map((t) => t.version), ['v25.7.0', 'v25.6.0', 'v25.5.1']);
    assert.ok(vs.every((t) => t.name === 'shell'));
    assert.deepEqual(await collect(client.apps.listTemplateVersions('nope', { cluster: 'default', org: 'superorg', project: 'test3' })), []);
    assert.deepEqual(await emu.wire(), [`GET ${V1}/templates/shell`, `GET ${V1_TEST3}/templates/nope`]);
  });

  test('getTemplate: latest (Appendix B #20), a version, unknown = null', async () => {
    const t = await client.apps.getTemplate('shell');
    assert.equal(t.name, 'shell');
    assert.equal(t.version, 'v25.7.0');
    assert.equal(typeof t.input, 'object');
    assert.notEqual(t.input, null);
    const old = await client.apps.getTemplate('shell', { version: 'v25.5.1', cluster: 'default', org: 'superorg', project: 'test3' });
    assert.equal(old.version, 'v25.5.1');
    assert.equal(await client.apps.getTemplate('nope'), null);
    assert.deepEqual(await emu.wire(), [
      `GET ${V1}/templates/shell/latest`, `GET ${V1_TEST3}/templates/shell/v25.5.1`, `GET ${V1}/templates/nope/latest`]);
  });

  test('getTemplate: a server answering 404 raises ResourceNotFound', async () => {
    await emu.settings({ unknown_template: '404' });
    try {
      await assert.rejects(client.apps.getTemplate('nope'), ResourceNotFound);
    } finally {
      await emu.settings({ unknown_template: 'null' });
    }
  });
});

describe('outputs, events, revisions, rollback, input', () => {
  test('getOutput (Appendix B #21)', async () => {
    const out = await client.apps.getOutput(DEMO.vscode);
    assert.equal(typeof out, 'object');
    assert.ok(Object.keys(out).length > 0);
    const out3 = await client.apps.getOutput(DEMO.sd, { cluster: 'default', org: 'superorg', project: 'test3' });
    assert.ok(Object.keys(out3).length > 0);
    assert.deepEqual(await emu.wire(), [`GET ${V1}/instances/${DEMO.vscode}/output`, `GET ${V1_TEST3}/instances/${DEMO.sd}/output`]);
  });

  test('getEvents: every page, first without a query (Appendix B #23-24)', async () => {
    const { id } = await makeApp({ project_name: 'alpha', events: 120 });
    const events = await collect(client.apps.getEvents(id));
    assert.ok(events.length >= 120);
    for (const e of events) {
      assert.ok(e.created_at instanceof Date);
      assert.equal(typeof e.state, 'string');
      assert.ok(e.reason === null || typeof e.reason === 'string');
      assert.ok(Array.isArray(e.resources));
    }
    const pages = Math.ceil(events.length / 50);
    const expected = [`GET ${V1}/instances/${id}/events`];
    for (let p = 2; p <= pages; p++) expected.push(`GET ${V1}/instances/${id}/events?page=${p}`);
    assert.deepEqual(await emu.wire(), expected);
  });

  test('getEvents: cluster/org/project options', async () => {
    const events = await collect(client.apps.getEvents(DEMO.sd, { cluster: 'default', org: 'superorg', project: 'test3' }));
    assert.ok(events.length > 0);
    assert.deepEqual(await emu.wire(), [`GET ${V1_TEST3}/instances/${DEMO.sd}/events`]);
  });

  test('getRevisions (Appendix B #25)', async () => {
    const revs = await client.apps.getRevisions(DEMO.sd);
    assert.deepEqual(revs.map((r) => r.revision_number), [3, 2, 1]);
    assert.equal(revs[0].end_at, null);
    assert.ok(revs[1].end_at instanceof Date);
    assert.ok(revs.every((r) => r.created_at instanceof Date && typeof r.creator === 'string'));
    assert.deepEqual(await emu.wire(), [`GET /apis/apps/v2/instances/${DEMO.sd}/revisions`]);
  });

  test('rollback with and without comment (Appendix B #26-27), with project options', async () => {
    const { id } = await makeApp({ project_name: 'alpha', template_name: 'shell', template_version: 'v25.5.1' });
    await client.apps.configure(id, { template_version: 'v25.5.1', input: { preset: { name: 'gpu' } } });
    await emu.clearRequests();
    const app = await client.apps.rollback(id, 1);
    assert.equal(app.id, id);
    await client.apps.rollback(id, 1, { comment: 'back' });
    const reqs = await emu.requests();
    assert.deepEqual(reqs.map((r) => `${r.method} ${r.path}`), [
      `POST ${V1}/instances/${id}/revisions/1/rollback`, `POST ${V1}/instances/${id}/revisions/1/rollback`]);
    assert.deepEqual(JSON.parse(reqs[0].body), {});
    assert.deepEqual(JSON.parse(reqs[1].body), { comment: 'back' });
    assert.match(reqs[0].headers['content-type'], /^application\/json/);
    const revs = await client.apps.getRevisions(id);
    assert.ok(revs.length >= 4);
    await client.apps.rollback(DEMO.sd, 2, { cluster: 'default', org: 'superorg', project: 'test3' });
    assert.equal((await emu.wire()).at(-1), `POST ${V1_TEST3}/instances/${DEMO.sd}/revisions/2/rollback`);
  });

  test('getInput, current and by revision (Appendix B #28-29)', async () => {
    const { id } = await makeApp({ project_name: 'alpha', template_name: 'shell', template_version: 'v25.5.1', input: { preset: { name: 'cpu' } } });
    await client.apps.configure(id, { template_version: 'v25.5.1', input: { preset: { name: 'gpu' } } });
    await emu.clearRequests();
    const cur = await client.apps.getInput(id);
    const first = await client.apps.getInput(id, { revision: 1 });
    assert.equal(cur.template_name, 'shell');
    assert.deepEqual(cur.input, { preset: { name: 'gpu' } });
    assert.deepEqual(first.input, { preset: { name: 'cpu' } });
    await client.apps.getInput(DEMO.sd, { revision: 2, cluster: 'default', org: 'superorg', project: 'test3' });
    assert.deepEqual(await emu.wire(), [
      `GET ${V1}/instances/${id}/input`, `GET ${V1}/instances/${id}/revisions/1/input`,
      `GET ${V1_TEST3}/instances/${DEMO.sd}/revisions/2/input`]);
  });
});
