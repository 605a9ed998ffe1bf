// Error classes and their fields for every status the SDK maps, refused connections, timeouts, aborts,
// invalid arguments, and the token never showing up in an error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  ApoloClient, ApoloError, AuthenticationError, AuthorizationError, BadGateway, ClientError, ConnectionError,
  IllegalArgumentError, ResourceNotFound, ServerNotAvailable, TimeoutError,
} from 'apolo-apps';
import { DEMO, V1, assertNoToken, closedPort, collect, startEmulator } from './helpers.mjs';

let emu;
let client;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(async () => {
  await emu.reset();
  // These tests are about how one failed request is reported; resilience.test.mjs tests retries.
  client = emu.client({ maxRetries: 0 });
});

const STATUS = [
  [400, IllegalArgumentError], [401, AuthenticationError], [403, AuthorizationError], [404, ResourceNotFound],
  [405, ClientError], [409, IllegalArgumentError], [422, IllegalArgumentError], [500, IllegalArgumentError],
  [502, BadGateway], [503, ServerNotAvailable],
];

describe('HTTP statuses', () => {
  for (const [status, cls] of STATUS) {
    test(`${status} with {"error"} -> ${cls.name}`, async () => {
      await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances/*', status, body: { error: `boom ${status}`, code: 7 }, times: 1 });
      await assert.rejects(client.apps.get(DEMO.sd), (e) => {
        assert.ok(e instanceof cls, `${e?.name}: ${e?.message}`);
        assert.ok(e instanceof ApoloError);
        assert.ok(e instanceof Error);
        assert.equal(e.name, cls.name);
        assert.equal(e.status, status);
        assert.equal(e.message, `boom ${status}`);
        assert.deepEqual(e.payload, { error: `boom ${status}`, code: 7 });
        assert.equal(e.method, 'GET');
        assert.equal(e.url, `${emu.url}/apis/apps/v2/instances/${DEMO.sd}`);
        assertNoToken(assert, e, emu.token);
        return true;
      });
    });
  }

  test('a text body is the message, with no payload', async () => {
    await emu.fault({ method: 'GET', path: `${V1}/instances/*/output`, status: 500, body: 'Internal Server Error', times: 1 });
    await assert.rejects(client.apps.getOutput(DEMO.vscode), (e) => {
      assert.ok(e instanceof IllegalArgumentError);
      assert.equal(e.message, 'Internal Server Error');
      assert.equal(e.payload, undefined);
      assert.equal(e.status, 500);
      return true;
    });
  });

  test('a FastAPI {"detail"} body: the message is the body text', async () => {
    await assert.rejects(client.apps.get('no-such-app'), (e) => {
      assert.ok(e instanceof ResourceNotFound);
      assert.equal(e.status, 404);
      assert.deepEqual(JSON.parse(e.message), { detail: 'App instance not found' });
      return true;
    });
  });

  test('input validation: IllegalArgumentError with payload.errors', async () => {
    await assert.rejects(client.apps.install({ template_name: 'jupyter', template_version: 'latest', input: {} }), (e) => {
      assert.ok(e instanceof IllegalArgumentError);
      assert.equal(e.status, 422);
      assert.equal(e.method, 'POST');
      assert.ok(Array.isArray(e.payload.errors) && e.payload.errors.length > 0);
      return true;
    });
  });

  test('configure on an uninstalled app: 409 -> IllegalArgumentError', async () => {
    await client.apps.uninstall(DEMO.vscode, { force: true });
    await assert.rejects(client.apps.configure(DEMO.vscode, { template_version: 'v25.6.0', input: {} }),
      (e) => e instanceof IllegalArgumentError && e.status === 409 && e.method === 'PUT');
  });

  test('an unknown route method: 405 -> ClientError', async () => {
    await emu.fault({ method: 'DELETE', path: `${V1}/instances/*`, status: 405, body: { detail: 'Method Not Allowed' }, times: 1 });
    await assert.rejects(client.apps.uninstall(DEMO.vscode), (e) => e instanceof ClientError && e.method === 'DELETE');
  });

  test('errors from iterators are the same classes', async () => {
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances', status: 503, body: { error: 'busy' }, times: 1 });
    await assert.rejects(collect(client.apps.list()), (e) => e instanceof ServerNotAvailable && e.message === 'busy');
    await emu.fault({ method: 'GET', path: `${V1}/templates`, status: 502, body: 'Bad Gateway', times: 1 });
    await assert.rejects(collect(client.apps.listTemplates()), BadGateway);
    await emu.fault({ method: 'GET', path: `${V1}/instances/*/events`, status: 403, body: { error: 'no' }, times: 1 });
    await assert.rejects(collect(client.apps.getEvents(DEMO.vscode)), AuthorizationError);
  });

  test('a malformed 2xx body is a BadGateway with that status, and the client keeps working', async () => {
    const malformed = (e) => e instanceof BadGateway && e.status === 200 && /unexpected response/.test(e.message);
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances/*', malformed_json: true, times: 1 });
    await assert.rejects(client.apps.get(DEMO.sd), malformed);
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances', malformed_json: true, times: 1 });
    await assert.rejects(collect(client.apps.list()), malformed);
    await emu.fault({ method: 'GET', path: `${V1}/instances/*/events`, malformed_json: true, times: 1 });
    await assert.rejects(collect(client.apps.getEvents(DEMO.vscode)), malformed);
    assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd);
  });
});

describe('authentication', () => {
  test('a bad token: AuthenticationError; the token appears in no error field', async () => {
    const token = 'secret-not-a-jwt-123';
    const bad = emu.client({ token });
    for (const call of [() => bad.apps.get(DEMO.sd), () => collect(bad.apps.list()), () => bad.apps.getRevisions(DEMO.sd)]) {
      await assert.rejects(call(), (e) => {
        assert.ok(e instanceof AuthenticationError, e);
        assert.equal(e.status, 401);
        assertNoToken(assert, e, token);
        return true;
      });
    }
    const reqs = await emu.requests();
    assert.ok(reqs.every((r) => r.headers.authorization === `Bearer ${token}` && !r.query.includes(token)));
  });

  test('connect with a rejected token: AuthenticationError', async () => {
    await assert.rejects(ApoloClient.connect({ apiUrl: emu.apiUrl, token: 'secret-not-a-jwt-123' }), (e) => {
      assert.ok(e instanceof AuthenticationError);
      assertNoToken(assert, e, 'secret-not-a-jwt-123');
      return true;
    });
  });
});

describe('transport', () => {
  test('a refused connection: ConnectionError', async () => {
    const port = await closedPort();
    const c = new ApoloClient({ apiUrl: `http://127.0.0.1:${port}/api/v1`, token: emu.token, project: 'alpha', cluster: 'default', org: 'superorg' });
    await assert.rejects(c.apps.get(DEMO.sd), (e) => {
      assert.ok(e instanceof ConnectionError, e);
      assert.equal(e.status, undefined);
      assert.equal(e.url, `http://127.0.0.1:${port}/apis/apps/v2/instances/${DEMO.sd}`);
      assertNoToken(assert, e, emu.token);
      return true;
    });
    await assert.rejects(collect(c.apps.list()), ConnectionError);
    await assert.rejects(ApoloClient.connect({ apiUrl: `http://127.0.0.1:${port}/api/v1`, token: emu.token }), ConnectionError);
  });

  test('a dropped connection: ConnectionError', async () => {
    await emu.fault({ path: '/apis/apps/v2/instances/*', drop: true, times: 1 });
    await assert.rejects(client.apps.get(DEMO.sd), ConnectionError);
  });

  test('timeoutMs: TimeoutError, and fast calls pass', async () => {
    const c = emu.client({ timeoutMs: 300, maxRetries: 0 });
    assert.equal((await c.apps.get(DEMO.sd)).id, DEMO.sd);
    await emu.fault({ path: '/apis/apps/v2/instances/*', delay_ms: 3000, times: 1 });
    const started = Date.now();
    await assert.rejects(c.apps.get(DEMO.sd), (e) => {
      assert.ok(e instanceof TimeoutError, e);
      assert.equal(e.name, 'TimeoutError');
      assertNoToken(assert, e, emu.token);
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2500, `took ${took} ms`);
  });

  for (const [transport, extra] of [['node:http', {}], ['fetch', { fetch }]]) {
    test(`deadlines (${transport}): each request keeps its own, whatever ended or waits beside it`, async () => {
      const c = emu.client({ maxRetries: 0, ...extra }); // the default deadline, 60 s
      assert.equal((await c.apps.get(DEMO.sd)).id, DEMO.sd); // its deadline was the earliest, and it is over
      await emu.fault({ path: '/apis/apps/v2/instances/*', delay_ms: 1500, times: 2 });
      const started = Date.now();
      const slow = c.apps.get(DEMO.sd); // 60 s: answered after 1.5 s
      const short = c.apps.get(DEMO.sd, { timeoutMs: 300 });
      await assert.rejects(short, TimeoutError);
      const took = Date.now() - started;
      assert.ok(took >= 250 && took < 1400, `the 300 ms deadline fired after ${took} ms`);
      assert.equal((await slow).id, DEMO.sd);
    });
  }

  test('timeoutMs applies to page requests of iterators', async () => {
    const c = emu.client({ timeoutMs: 300, maxRetries: 0 });
    await emu.fault({ path: '/apis/apps/v2/instances', delay_ms: 3000, times: 1 });
    await assert.rejects(collect(c.apps.list()), TimeoutError);
  });

  test('the fetch transport: a deadline or an abort ends only its own request; signals serve a bounded number', async () => {
    // The `fetch` option (the transport of browsers, Deno, Bun and workers) over the network.
    const used = [];
    const c = emu.client({ timeoutMs: 300, maxRetries: 0, fetch: (url, init) => { used.push(init.signal); return fetch(url, init); } });
    for (let i = 0; i < 150; i++) assert.equal((await c.apps.get(DEMO.sd)).id, DEMO.sd);
    const signals = new Set(used);
    assert.ok(signals.size >= 15 && signals.size < 30, `${signals.size} signals for 150 requests`);
    for (const s of signals) {
      assert.ok(!s.aborted);
      assert.ok(getEventListeners(s, 'abort').length <= 20, `${getEventListeners(s, 'abort').length} listeners`);
    }
    // A request past its deadline: TimeoutError, and its signal is not handed out again.
    await emu.fault({ path: '/apis/apps/v2/instances/*', delay_ms: 3000, times: 1 });
    await assert.rejects(c.apps.get(DEMO.sd), TimeoutError);
    const late = used.at(-1);
    assert.ok(late.aborted);
    assert.equal((await c.apps.get(DEMO.sd)).id, DEMO.sd);
    assert.ok(!used.at(-1).aborted && used.at(-1) !== late);
    // The caller's abort: its reason, and the next call is not touched.
    await emu.fault({ path: '/apis/apps/v2/instances/*', delay_ms: 3000, times: 1 });
    const ctl = new AbortController();
    const reason = new Error('user left');
    setTimeout(() => ctl.abort(reason), 50);
    await assert.rejects(c.apps.get(DEMO.sd, { signal: ctl.signal }), (e) => e === reason);
    assert.ok(used.at(-1).aborted);
    assert.equal((await c.apps.get(DEMO.sd)).id, DEMO.sd);
    assert.ok(!used.at(-1).aborted);
  });

  test('the fetch transport: a fetch that leaves a listener on each signal gets no leak warning from Node', async () => {
    const body = await (await fetch(`${emu.url}/apis/apps/v2/instances/${DEMO.sd}`, { headers: { authorization: `Bearer ${emu.token}` } })).text();
    const warnings = [];
    const onWarning = (w) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const c = emu.client({
        fetch: async (url, init) => {
          init.signal.addEventListener('abort', () => {}); // never removed
          return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
        },
      });
      for (let i = 0; i < 50; i++) assert.equal((await c.apps.get(DEMO.sd)).id, DEMO.sd);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  test('a script ends when its calls are done: no deadline timer keeps Node running', async () => {
    // Default deadline (60 s), both transports; a timer left referenced would hold the process that long.
    const script = `
      import { ApoloClient } from 'apolo-apps';
      const o = { apiUrl: process.env.API, token: process.env.TOKEN, cluster: 'default', org: 'superorg', project: 'alpha' };
      for (const c of [new ApoloClient(o), new ApoloClient({ ...o, fetch })]) {
        for (let i = 0; i < 3; i++) await c.apps.get(process.env.APP);
        await c.apps.get(process.env.APP, { timeoutMs: 45_000 });
      }
      console.log('done');
    `;
    const started = Date.now();
    const out = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], {
        cwd: path.dirname(fileURLToPath(import.meta.url)), timeout: 20_000,
        env: { ...process.env, API: emu.apiUrl, TOKEN: emu.token, APP: DEMO.sd },
      }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
    });
    assert.equal(out.trim(), 'done');
    const took = Date.now() - started;
    assert.ok(took < 15_000, `the process ran ${took} ms`);
  });

  test('abort of a pending call rejects with the signal reason', async () => {
    await emu.fault({ path: '/apis/apps/v2/instances/*', delay_ms: 3000, times: 1 });
    const ctl = new AbortController();
    const reason = new Error('user left');
    const started = Date.now();
    setTimeout(() => ctl.abort(reason), 100);
    await assert.rejects(client.apps.get(DEMO.sd, { signal: ctl.signal }), (e) => e === reason);
    assert.ok(Date.now() - started < 2000);
  });

  test('abort without a reason: the DOMException AbortError, as fetch does', async () => {
    await emu.fault({ path: `${V1}/instances`, delay_ms: 3000, times: 1 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    await assert.rejects(client.apps.install({ template_name: 'shell', template_version: 'latest', input: {} }, { signal: ctl.signal }),
      (e) => e.name === 'AbortError' && e === ctl.signal.reason);
  });

  test('an already aborted signal sends nothing, for every method', async () => {
    const ctl = new AbortController();
    const reason = new Error('already');
    ctl.abort(reason);
    const signal = ctl.signal;
    const a = client.apps;
    const calls = {
      list: () => collect(a.list({ signal })),
      get: () => a.get(DEMO.sd, { signal }),
      getUpgrades: () => a.getUpgrades([DEMO.sd], { signal }),
      install: () => a.install({ template_name: 'shell', template_version: 'latest', input: {} }, { signal }),
      configure: () => a.configure(DEMO.vscode, { input: {} }, { signal }),
      uninstall: () => a.uninstall(DEMO.vscode, { signal }),
      getValues: () => collect(a.getValues({ signal })),
      listTemplates: () => collect(a.listTemplates({ signal })),
      listTemplateVersions: () => collect(a.listTemplateVersions('shell', { signal })),
      getTemplate: () => a.getTemplate('shell', { signal }),
      getOutput: () => a.getOutput(DEMO.vscode, { signal }),
      logs: () => collect(a.logs(DEMO.vscode, { signal })),
      logLines: () => collect(a.logLines(DEMO.vscode, { signal })),
      getEvents: () => collect(a.getEvents(DEMO.vscode, { signal })),
      getRevisions: () => a.getRevisions(DEMO.vscode, { signal }),
      rollback: () => a.rollback(DEMO.vscode, 1, { signal }),
      getInput: () => a.getInput(DEMO.vscode, { signal }),
    };
    for (const [name, call] of Object.entries(calls)) {
      await assert.rejects(call(), (e) => e === reason, name);
    }
    assert.deepEqual(await emu.wire(), []);
  });
});

describe('invalid arguments: IllegalArgumentError before anything is sent', () => {
  test('client options', () => {
    assert.throws(() => new ApoloClient(), IllegalArgumentError);
    assert.throws(() => new ApoloClient({ token: 't' }), IllegalArgumentError);
    assert.throws(() => new ApoloClient({ apiUrl: 'not a url', token: 't' }), IllegalArgumentError);
    assert.throws(() => new ApoloClient({ apiUrl: emu.apiUrl, token: 't', WebSocket: 'ws' }), IllegalArgumentError);
  });

  test('call arguments', async () => {
    const a = client.apps;
    const bad = [
      () => a.get(''), () => a.get('..'), () => a.get('.'), () => a.get(42), () => a.get(DEMO.sd, 'opts'),
      () => a.getUpgrades('abc'), () => a.getUpgrades([1, 2]),
      () => a.install(null), () => a.install([]),
      () => a.configure(DEMO.vscode, 'x'),
      () => a.rollback(DEMO.vscode, 0), () => a.rollback(DEMO.vscode, 1.5), () => a.rollback(DEMO.vscode, '1'),
      () => a.getInput(DEMO.vscode, { revision: -1 }),
      () => a.getTemplate(''), () => a.getOutput('..'), () => a.getRevisions(''),
      () => a.uninstall('.'),
      () => collect(a.list({ states: 'healthy' })), () => collect(a.getEvents('')), () => collect(a.listTemplateVersions('')),
      () => collect(a.logs('')), () => collect(a.logs(DEMO.vscode, { since: 12 })),
      () => a.get(DEMO.sd, { signal: 'nope' }),
    ];
    for (const [i, call] of bad.entries()) {
      await assert.rejects(call(), IllegalArgumentError, `case ${i}: ${call}`);
    }
    assert.deepEqual(await emu.wire(), []);
  });

  test('errors are instances across ESM and CommonJS', async () => {
    const { createRequire } = await import('node:module');
    const cjs = createRequire(import.meta.url)('apolo-apps');
    await assert.rejects(client.apps.get('no-such-app'), cjs.ResourceNotFound);
    assert.equal(cjs.ApoloClient, ApoloClient);
  });
});
