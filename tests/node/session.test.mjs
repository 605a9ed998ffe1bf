// Issue 10: token providers (refresh after a 401, expiring tokens, failing providers), request hooks
// and the debug log line. The emulator refuses tokens after `token_max_uses`, and its request log
// says which token each request presented, so the tests read what the server saw.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ApoloClient, AuthenticationError, ConnectionError } from 'apolo-apps';
import { DEMO, assertNoToken, closedPort, collect, startEmulator } from './helpers.mjs';

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(async () => {
  await emu.reset();
  await emu.settings({ token_max_uses: null, token_ttl_ms: null });
});
afterEach(() => emu.settings({ token_max_uses: null, token_ttl_ms: null }));

const INSTALL = { template_name: 'shell', template_version: 'latest', input: {} };
const ERRORED = '00000004-0000-4000-8000-000000000000'; // generated seed: i % 7 == 4 is errored (its log ends)

/** The token a logged request presented (header, logs subprotocol or query), as the emulator reads it. */
function tokenOf(r) {
  const auth = r.headers.authorization;
  if (auth) return auth.replace(/^Bearer /, '');
  const proto = (r.headers['sec-websocket-protocol'] ?? '').split(' ').find((p) => p.startsWith('bearer.apolo.us-'));
  if (proto) return proto.slice('bearer.apolo.us-'.length);
  return new URLSearchParams(r.query).get('neuro-auth-token') ?? undefined;
}

/** Log entries with `refused: true` where the token had already been presented `max` times (the server's count). */
function markRefused(log, max) {
  const uses = new Map();
  return log.map((r) => {
    const t = tokenOf(r);
    const n = (uses.get(t) ?? 0) + 1;
    uses.set(t, n);
    return { ...r, token: t, refused: t !== undefined && n > max };
  });
}

/**
 * A token provider written as an app would write one: it caches its token and gets a new one (here from
 * the emulator's POST /_emulator/token) only once the server has refused the cached one. A real provider
 * would read the token's `exp` claim; the emulator's expiry is a use count instead, which the provider
 * reads from the request log: with token_max_uses N, the (N+1)th request that presented the token is the
 * first refused one. The server logs a request before answering it, so when the client calls the provider
 * again after a 401 (or after a refused logs handshake whose status the runtime hides), the refusal is
 * already in the log. It never refreshes early, so the client really meets 401s and has to repeat requests.
 */
function expiringProvider(max) {
  const state = { token: undefined, minted: 0, calls: 0 };
  state.provider = async () => {
    state.calls += 1;
    const log = await emu.requests();
    const uses = log.filter((r) => state.token !== undefined && tokenOf(r) === state.token).length;
    if (state.token === undefined || uses > max) {
      state.token = await emu.mintToken('user');
      state.minted += 1;
    }
    return state.token;
  };
  return state;
}

/** Every id the emulator lists for the client's list query (read before token limits are set). */
async function serverIds() {
  const ids = [];
  for (let page = 1; ; page += 1) {
    const q = new URLSearchParams({ cluster: 'default', org: 'superorg', project: 'alpha', page: String(page), size: '50' });
    const res = await fetch(`${emu.url}/apis/apps/v2/instances?${q}`, { headers: { authorization: `Bearer ${emu.token}` } });
    const body = await res.json();
    ids.push(...body.items.map((a) => a.id));
    if (page >= body.pages) return ids;
  }
}

describe('expiring tokens', () => {
  async function runThroughExpiry(extra, label) {
    // Four pages of 50: the fourth page request is the first token's fourth use.
    await emu.reset({ seed: 'generated', apps: 170, events: 0, log_bytes: 2000 });
    const expected = await serverIds();
    assert.equal(expected.length, 170);
    await emu.clearRequests(); // the log (which the provider reads) starts with the client's requests
    await emu.settings({ token_max_uses: 3 });
    const p = expiringProvider(3);
    const client = emu.client({ token: p.provider, monitoringUrl: `${emu.url}/api/v1/jobs`, ...extra });

    const ids = (await collect(client.apps.list())).map((a) => a.id);
    assert.deepEqual(ids, expected);
    for (const id of expected.slice(0, 3)) assert.equal((await client.apps.get(id)).id, id);
    // Use up the current token, so that the next request (install, handshake) is its first refused use.
    const useUp = async () => {
      while (markRefused(await emu.requests(), 3).filter((r) => r.token === p.token && !r.refused).length < 3) {
        await client.apps.get(ERRORED);
      }
    };
    await useUp();
    const app = await client.apps.install(INSTALL);
    assert.equal(app.template_name, 'shell');
    await useUp();
    const text = Buffer.concat(await collect(client.apps.logs(ERRORED))).toString();
    assert.match(text, /\(line 0\)/, label);

    const log = markRefused(await emu.requests(), 3);
    const refused = log.filter((r) => r.refused);
    assert.ok(refused.length >= 3, `${refused.length} refused requests`);
    for (const r of refused) {
      // Each refused request was sent again at once, with a new token, and that one was accepted.
      const next = log[log.indexOf(r) + 1];
      assert.ok(next, `nothing after the refused ${r.method} ${r.path}`);
      assert.equal(`${next.method} ${next.path}`, `${r.method} ${r.path}`);
      assert.notEqual(next.token, r.token);
      assert.equal(next.refused, false);
    }
    assert.ok(refused.some((r) => r.method === 'POST'), 'the install met an expired token');
    assert.ok(refused.some((r) => r.path.endsWith('/log_ws')), 'the logs handshake met an expired token');
    assert.ok(refused.some((r) => r.path === '/apis/apps/v2/instances'), 'a list page met an expired token');
    // Exactly one app was installed.
    assert.equal(log.filter((r) => r.method === 'POST' && !r.refused).length, 1);
    assert.equal(p.minted, new Set(log.map((r) => r.token)).size);
  }

  test('a provider keeps the client working through list pages, gets, an install and a log stream', () =>
    runThroughExpiry({}, 'ws'));

  test('the same with the runtime WebSocket, which hides the handshake status', {
    skip: typeof globalThis.WebSocket !== 'function' && 'no global WebSocket in this Node',
  }, () => runThroughExpiry({ WebSocket: globalThis.WebSocket }, 'global WebSocket'));

  test('a fixed token string that expires: AuthenticationError, no repeat', async () => {
    await emu.settings({ token_max_uses: 3 });
    const token = await emu.mintToken('user');
    const client = emu.client({ token });
    for (let i = 0; i < 3; i++) await client.apps.get(DEMO.sd);
    await assert.rejects(client.apps.get(DEMO.sd), (e) => {
      assert.ok(e instanceof AuthenticationError, String(e));
      assert.equal(e.status, 401);
      assertNoToken(assert, e, token);
      return true;
    });
    assert.equal((await emu.requests()).length, 4);
  });
});

describe('token providers', () => {
  test('connect(): a /config that does not authorize the token asks the provider again, once', async () => {
    // /config answers a refused token with 200 {"authorized": false}, not a 401.
    await emu.settings({ token_max_uses: 1 });
    const spent = await emu.mintToken('user');
    await fetch(`${emu.url}/apis/apps/v2/instances/${DEMO.sd}`, { headers: { authorization: `Bearer ${spent}` } });
    const fresh = await emu.mintToken('user');
    let calls = 0;
    const client = await ApoloClient.connect({ apiUrl: emu.apiUrl, token: () => (++calls === 1 ? spent : fresh) });
    assert.equal(calls, 2);
    assert.equal(client.project, 'alpha');
    const configs = (await emu.requests()).filter((r) => r.path === '/api/v1/config');
    assert.equal(configs.length, 2);
    // The same token again: no second repeat, AuthenticationError.
    await assert.rejects(ApoloClient.connect({ apiUrl: emu.apiUrl, token: () => spent }), AuthenticationError);
  });

  /** A provider that hands out `tokens` in turn (the last one again when they run out). */
  function sequence(tokens) {
    const state = { calls: 0 };
    state.provider = () => tokens[Math.min(state.calls++, tokens.length - 1)];
    return state;
  }

  test('after a 401 the provider is asked again and the request repeated exactly once', async () => {
    const fresh = await emu.mintToken('user');
    const p = sequence(['secret-not-a-jwt-1', fresh]);
    const client = emu.client({ token: p.provider });
    assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd);
    const log = await emu.requests();
    assert.deepEqual(log.map((r) => r.headers.authorization), ['Bearer secret-not-a-jwt-1', `Bearer ${fresh}`]);
    assert.equal(p.calls, 2);
  });

  test('an install is repeated once after a 401 too, and installs one app', async () => {
    const fresh = await emu.mintToken('user');
    const client = emu.client({ token: sequence(['secret-not-a-jwt-1', fresh]).provider });
    await client.apps.install(INSTALL);
    const posts = (await emu.requests()).filter((r) => r.method === 'POST');
    assert.deepEqual(posts.map((r) => r.headers.authorization), ['Bearer secret-not-a-jwt-1', `Bearer ${fresh}`]);
  });

  test('a second 401 is final: two requests, AuthenticationError', async () => {
    let n = 0;
    const client = emu.client({ token: () => `secret-not-a-jwt-${++n}` });
    await assert.rejects(client.apps.get(DEMO.sd), (e) => {
      assert.ok(e instanceof AuthenticationError, String(e));
      for (let i = 1; i <= n; i++) assertNoToken(assert, e, `secret-not-a-jwt-${i}`);
      return true;
    });
    assert.equal((await emu.requests()).length, 2);
  });

  test('a provider that returns the same token after a 401: no repeat', async () => {
    const client = emu.client({ token: () => 'secret-not-a-jwt-same' });
    await assert.rejects(client.apps.get(DEMO.sd), AuthenticationError);
    assert.equal((await emu.requests()).length, 1);
  });

  test('a provider that throws: AuthenticationError with the error as cause, nothing sent', async () => {
    const boom = new Error('the vault is unreachable');
    for (const provider of [() => { throw boom; }, async () => { throw boom; }]) {
      const client = emu.client({ token: provider });
      await assert.rejects(client.apps.get(DEMO.sd), (e) => {
        assert.ok(e instanceof AuthenticationError, String(e));
        assert.equal(e.cause, boom);
        assertNoToken(assert, e, emu.token);
        return true;
      });
      await assert.rejects(collect(client.apps.list()), (e) => e instanceof AuthenticationError && e.cause === boom);
    }
    assert.deepEqual(await emu.requests(), []);
  });

  test('a provider result that is not a usable token string: AuthenticationError, nothing sent', async () => {
    for (const value of [42, undefined, null, '', 'two words', 'line\nbreak', 'tab\there', 'é-non-ascii', { token: emu.token }]) {
      for (const provider of [() => value, async () => value]) {
        const client = emu.client({ token: provider });
        await assert.rejects(client.apps.get(DEMO.sd), (e) => {
          assert.ok(e instanceof AuthenticationError, `${JSON.stringify(value)}: ${e}`);
          assertNoToken(assert, e, emu.token);
          return true;
        });
      }
    }
    assert.deepEqual(await emu.requests(), []);
  });

  test('the provider is called before every request (each page, each handshake)', async () => {
    await emu.reset({ seed: 'generated', apps: 120, events: 0, log_bytes: 200 });
    let calls = 0;
    const client = emu.client({ token: () => { calls += 1; return emu.token; }, monitoringUrl: `${emu.url}/api/v1/jobs` });
    await collect(client.apps.list());
    await collect(client.apps.logs(ERRORED));
    assert.equal(calls, (await emu.requests()).length);
    assert.equal(calls, 4);
  });
});

describe('hooks', () => {
  function recorder(throwing = false) {
    const events = { onRequest: [], onResponse: [], onRetry: [] };
    const hooks = {};
    for (const k of Object.keys(events)) {
      hooks[k] = (e) => {
        events[k].push(structuredClone(e));
        if (throwing) throw new Error(`hook ${k} fails`);
      };
    }
    return { events, hooks };
  }

  test('every request is reported: /config, each page, retries, the logs handshake and its close', async () => {
    await emu.reset({ seed: 'generated', apps: 120, events: 0, log_bytes: 200 });
    const { events, hooks } = recorder();
    const client = await ApoloClient.connect({
      apiUrl: emu.apiUrl, token: emu.token, cluster: 'default', org: 'superorg', project: 'alpha', WebSocket, ...hooks,
    });
    await collect(client.apps.list());
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances/*', status: 503, times: 1 });
    await client.apps.get(ERRORED);
    await collect(client.apps.logs(ERRORED));

    const log = await emu.requests();
    const paths = log.map((r) => r.path);
    assert.deepEqual(paths, [
      '/api/v1/config',
      '/apis/apps/v2/instances', '/apis/apps/v2/instances', '/apis/apps/v2/instances',
      `/apis/apps/v2/instances/${ERRORED}`, `/apis/apps/v2/instances/${ERRORED}`,
      `/api/v1/apps/${ERRORED}/log_ws`,
    ]);
    // onRequest: one per request the server saw, same order, URL without the token.
    assert.equal(events.onRequest.length, log.length);
    events.onRequest.forEach((e, i) => {
      const url = new URL(e.url);
      assert.equal(url.pathname, log[i].path);
      assert.equal(e.method, 'GET');
      assert.equal(url.search.replace(/^\?/, ''), log[i].query);
    });
    assert.deepEqual(events.onRequest.map((e) => e.attempt), [1, 1, 1, 1, 1, 2, 1]);
    assert.match(events.onRequest.at(-1).url, /^ws:\/\//);
    // onResponse: one per request, plus the logs socket's close (with closeCode).
    assert.equal(events.onResponse.length, log.length + 1);
    const statuses = events.onResponse.map((e) => e.status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 503, 200, 101, 101]);
    for (const [i, e] of events.onResponse.slice(0, 6).entries()) {
      assert.equal(e.requestId, log[i].request_id);
      assert.ok(typeof e.durationMs === 'number' && e.durationMs >= 0);
      assert.equal(e.attempt, i === 5 ? 2 : 1);
    }
    assert.equal(events.onResponse.at(-1).closeCode, 1000);
    assert.equal(events.onResponse.at(-2).closeCode, undefined);
    // onRetry: the 503, with the delay the client then waited.
    assert.equal(events.onRetry.length, 1);
    const r = events.onRetry[0];
    assert.equal(r.method, 'GET');
    assert.equal(r.url, `${emu.url}/apis/apps/v2/instances/${ERRORED}`);
    assert.equal(r.attempt, 1);
    assert.equal(r.reason, 'status 503');
    assert.ok(Number.isFinite(r.delayMs) && r.delayMs > 0 && r.delayMs <= 8000, String(r.delayMs));
    // The token is in no payload.
    const all = JSON.stringify(events);
    assert.ok(!all.includes(emu.token), 'token in a hook payload');
    assert.ok(!all.includes(emu.token.split('.')[2]), 'token signature in a hook payload');
  });

  test('a connection failure is reported with status 0 and the retry reason', async () => {
    const { events, hooks } = recorder();
    const client = emu.client(hooks);
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances/*', reset: true, times: 1 });
    await client.apps.get(DEMO.sd);
    assert.deepEqual(events.onResponse.map((e) => e.status), [0, 200]);
    assert.equal(events.onResponse[0].requestId, undefined);
    assert.equal(events.onRetry.length, 1);
    assert.equal(events.onRetry[0].reason, 'connection error');
  });

  test('retry reasons: timeout and connection refused', async () => {
    const t = recorder();
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances/*', delay_ms: 3000, times: 1 });
    await emu.client({ ...t.hooks, timeoutMs: 300 }).apps.get(DEMO.sd);
    assert.deepEqual(t.events.onRetry.map((e) => e.reason), ['timeout']);
    assert.deepEqual(t.events.onResponse.map((e) => e.status), [0, 200]);

    const port = await closedPort();
    const r = recorder();
    const c = new ApoloClient({
      apiUrl: `http://127.0.0.1:${port}/api/v1`, token: emu.token, cluster: 'default', org: 'superorg', project: 'alpha', maxRetries: 1, ...r.hooks,
    });
    await assert.rejects(c.apps.get(DEMO.sd), ConnectionError);
    assert.deepEqual(r.events.onRetry.map((e) => [e.reason, e.attempt]), [['connection refused', 1]]);
    assert.deepEqual(r.events.onRequest.map((e) => e.attempt), [1, 2]);
    assert.deepEqual(r.events.onResponse.map((e) => [e.status, e.requestId]), [[0, undefined], [0, undefined]]);
  });

  test('hooks that throw do not break calls', async () => {
    await emu.reset({ seed: 'generated', apps: 120, events: 0, log_bytes: 200 });
    const { events, hooks } = recorder(true);
    const client = emu.client({ ...hooks, monitoringUrl: `${emu.url}/api/v1/jobs` });
    assert.equal((await collect(client.apps.list())).length, 120);
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances/*', status: 503, times: 1 });
    assert.equal((await client.apps.get(ERRORED)).id, ERRORED);
    assert.ok((await collect(client.apps.logs(ERRORED))).length > 0);
    assert.equal(events.onRetry.length, 1);
    assert.equal(events.onRequest.length, 6);
  });

  test('a logs handshake refused with 401 is reported with its status', async () => {
    const { events, hooks } = recorder();
    await emu.fault({ path: '/api/v1/apps/*/log_ws', status: 401, body: '401: Unauthorized', times: 1 });
    const client = emu.client({ ...hooks, monitoringUrl: `${emu.url}/api/v1/jobs` });
    await assert.rejects(collect(client.apps.logs(DEMO.vscode)), AuthenticationError);
    assert.deepEqual(events.onResponse.map((e) => e.status), [401]);
    assert.ok(!JSON.stringify(events).includes(emu.token));
  });
});

describe('debug log line', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    import { ApoloClient } from 'apolo-apps';
    const c = new ApoloClient({ apiUrl: process.env.API, token: process.env.TOKEN, cluster: 'default', org: 'superorg', project: 'alpha', maxRetries: 0 });
    await c.apps.get(process.env.APP).catch((e) => { if (!process.env.EXPECT_ERROR) throw e; });
  `;
  function run(env) {
    return new Promise((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], {
        cwd: here,
        env: { PATH: process.env.PATH, API: emu.apiUrl, TOKEN: emu.token, APP: DEMO.sd, ...env },
        timeout: 30000,
      }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr })));
    });
  }

  test('APOLO_APPS_LOG=debug prints one line per request, without the token', async () => {
    const { stdout, stderr } = await run({ APOLO_APPS_LOG: 'debug' });
    assert.equal(stdout, '');
    assert.match(stderr, /^apolo-apps: GET http:\/\/127\.0\.0\.1:\d+\/\S+ 200 \d+ms attempt=1$/m);
    const lines = stderr.split('\n').filter((l) => l.startsWith('apolo-apps: '));
    assert.equal(lines.length, 1, stderr);
    assert.ok(lines[0].includes(`/apis/apps/v2/instances/${DEMO.sd} `), lines[0]);
    assert.ok(!stderr.includes(emu.token));
  });

  test('a request with no answer: status 0 and the reason', async () => {
    const port = await closedPort();
    const { stderr } = await run({ APOLO_APPS_LOG: 'debug', API: `http://127.0.0.1:${port}/api/v1`, EXPECT_ERROR: '1' });
    assert.match(stderr, /^apolo-apps: GET http:\/\/127\.0\.0\.1:\d+\/\S+ 0 \d+ms attempt=1 error=\S.*$/m);
    assert.ok(!stderr.includes(emu.token));
  });

  test('nothing is printed by default', async () => {
    const { stdout, stderr } = await run({});
    assert.equal(stdout, '');
    assert.equal(stderr, '');
  });
});
