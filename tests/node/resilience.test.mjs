// Issue 7: retries, Retry-After, aborts during backoff, endless or hostile server answers, bounded log
// memory, and errors that name the server's request id. What the server saw is read from the emulator's
// request log, so "exactly N requests" means N reached the server.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import http from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ApoloClient, ConnectionError, ResourceNotFound, ServerNotAvailable, TimeoutError } from 'apolo-apps';
import { DEMO, V1, collect, sleep, startEmulator, until } from './helpers.mjs';

let emu;
let client;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(async () => {
  await emu.reset();
  client = emu.client();
});

const GET_ONE = '/apis/apps/v2/instances/*';
const INSTALL = { template_name: 'shell', template_version: 'latest', input: {} };

/** Requests the server saw on `path` (exact), e.g. the attempts of one call. */
async function seen(path, method) {
  return (await emu.requests()).filter((r) => r.path === path && (!method || r.method === method));
}

describe('retries', () => {
  test('a GET meeting two transient 503s succeeds on the third request', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, status: 503, times: 2 });
    assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd);
    const reqs = await seen(`/apis/apps/v2/instances/${DEMO.sd}`);
    assert.equal(reqs.length, 3);
    assert.deepEqual(reqs.map((r) => r.fault !== null), [true, true, false]);
  });

  test('waits between retries leave no listener on a long-lived signal', async () => {
    const ctl = new AbortController();
    await emu.fault({ method: 'GET', path: GET_ONE, status: 503, times: 2 });
    assert.equal((await client.apps.get(DEMO.sd, { signal: ctl.signal })).id, DEMO.sd);
    assert.equal((await seen(`/apis/apps/v2/instances/${DEMO.sd}`)).length, 3);
    assert.equal(getEventListeners(ctl.signal, 'abort').length, 0);
  });

  test('an install that meets a 503 is sent once and rejects ServerNotAvailable', async () => {
    await emu.fault({ method: 'POST', path: `${V1}/instances`, status: 503, body: { detail: 'busy' }, times: 1 });
    await assert.rejects(client.apps.install(INSTALL), ServerNotAvailable);
    assert.equal((await seen(`${V1}/instances`, 'POST')).length, 1);
  });

  test('an install that meets a 429 once is sent again and succeeds', async () => {
    await emu.fault({ method: 'POST', path: `${V1}/instances`, status: 429, times: 1 });
    const app = await client.apps.install(INSTALL);
    assert.equal(app.template_name, 'shell');
    assert.equal((await seen(`${V1}/instances`, 'POST')).length, 2);
    // One app was created, not two.
    const created = (await emu.requests()).filter((r) => r.method === 'POST' && r.fault === null);
    assert.equal(created.length, 1);
  });

  test('Retry-After: 1 is waited (at least about a second)', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, status: 503, retry_after: 1, times: 1 });
    const t0 = performance.now();
    await client.apps.get(DEMO.sd);
    const took = performance.now() - t0;
    assert.ok(took >= 900, `took ${took} ms`);
    assert.equal((await seen(`/apis/apps/v2/instances/${DEMO.sd}`)).length, 2);
  });

  test('a Retry-After of a day is not waited: normal backoff instead', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, status: 503, retry_after: 86400, times: 1 });
    const t0 = performance.now();
    await client.apps.get(DEMO.sd);
    const took = performance.now() - t0;
    assert.ok(took < 20000, `took ${took} ms`);
    assert.equal((await seen(`/apis/apps/v2/instances/${DEMO.sd}`)).length, 2);
  });

  test('an abort during the backoff rejects at once with the signal reason', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, status: 503, retry_after: 30, times: 1 });
    const ctl = new AbortController();
    const reason = new Error('user left');
    const t0 = performance.now();
    // Abort once the first attempt has been answered, i.e. inside the 30 s wait.
    const pending = client.apps.get(DEMO.sd, { signal: ctl.signal });
    await until(async () => (await seen(`/apis/apps/v2/instances/${DEMO.sd}`)).length === 1, 'first attempt');
    await sleep(100);
    ctl.abort(reason);
    await assert.rejects(pending, (e) => e === reason);
    const took = performance.now() - t0;
    assert.ok(took < 10000, `took ${took} ms`);
    const log = await emu.requestsBeforeSentinel(client);
    assert.equal(log.filter((r) => r.path.startsWith('/apis/')).length, 1);
  });

  test('maxRetries: 0 sends exactly one request (client option and per call)', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, status: 503 });
    await assert.rejects(emu.client({ maxRetries: 0 }).apps.get(DEMO.sd), ServerNotAvailable);
    assert.equal((await seen(`/apis/apps/v2/instances/${DEMO.sd}`)).length, 1);
    await emu.clearRequests();
    await assert.rejects(client.apps.get(DEMO.sd, { maxRetries: 0 }), ServerNotAvailable);
    assert.equal((await seen(`/apis/apps/v2/instances/${DEMO.sd}`)).length, 1);
  });

  test('a transient 503 on page 2 of a list still yields every item', async () => {
    await emu.reset({ seed: 'generated', apps: 120, events: 0, log_bytes: 100 });
    const it = client.apps.list()[Symbol.asyncIterator]();
    const ids = [(await it.next()).value.id]; // page 1 fetched
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances', status: 503, times: 1 });
    for (let r = await it.next(); !r.done; r = await it.next()) ids.push(r.value.id);
    const pages = await seen('/apis/apps/v2/instances', 'GET');
    assert.equal(pages.length, 4, pages.map((p) => p.query).join('\n')); // 1, 2 (503), 2, 3
    // Every id the server has for the same query, page by page.
    const expected = [];
    const q = new URLSearchParams(pages[0].query);
    for (let page = 1; ; page += 1) {
      q.set('page', String(page));
      const res = await fetch(`${emu.url}/apis/apps/v2/instances?${q}`, { headers: { authorization: `Bearer ${emu.token}` } });
      const body = await res.json();
      expected.push(...body.items.map((a) => a.id));
      if (page >= body.pages) break;
    }
    assert.ok(expected.length > 100, `${expected.length} apps: enough for 3 pages`);
    assert.deepEqual(ids, expected);
  });

  test('a connection reset on a GET is retried and succeeds', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, reset: true, times: 1 });
    assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd);
    const reqs = await seen(`/apis/apps/v2/instances/${DEMO.sd}`);
    assert.equal(reqs.length, 2);
    assert.notEqual(reqs[0].fault, null);
  });
});

describe('keep-alive sockets', () => {
  test('a socket is reused while busy and closed by the client after 4 s idle', async () => {
    // A server that keeps connections for a minute: a close within seconds is the client's.
    const connections = [];
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    });
    server.on('connection', (socket) => {
      const c = { closedAt: undefined };
      connections.push(c);
      socket.on('close', () => { c.closedAt = performance.now(); });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const c = new ApoloClient({ apiUrl: `http://127.0.0.1:${server.address().port}/api/v1`, token: 't', cluster: 'c', org: 'o', project: 'p' });
      for (let i = 0; i < 3; i++) {
        await assert.rejects(c.apps.get('x'), ResourceNotFound);
        await sleep(300);
      }
      const idleFrom = performance.now() - 300;
      assert.equal(connections.length, 1, 'one connection for requests 300 ms apart');
      await until(() => connections[0].closedAt !== undefined, 'the idle socket closed', 8000);
      const idle = connections[0].closedAt - idleFrom;
      assert.ok(idle > 3500 && idle < 6000, `closed after ${Math.round(idle)} ms idle`);
      await assert.rejects(c.apps.get('x'), ResourceNotFound); // a new socket serves the next one
      assert.equal(connections.length, 2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('timeouts and endless answers', () => {
  test('a logs handshake that is never answered: TimeoutError after timeoutMs', async () => {
    await emu.fault({ path: '/api/v1/apps/*/log_ws', hang: true });
    const c = emu.client({ timeoutMs: 1000, monitoringUrl: `${emu.url}/api/v1/jobs` });
    const t0 = performance.now();
    await assert.rejects(collect(c.apps.logs(DEMO.vscode)), (e) => {
      assert.ok(e instanceof TimeoutError, `${e?.name}: ${e?.message}`);
      return true;
    });
    const took = performance.now() - t0;
    assert.ok(took >= 900 && took < 10000, `took ${took} ms`);
    // The client let go of the socket: the server's hung request ends.
    await until(async () => (await emu.control('GET', '/stats')).hanging === 0, 'hung handshake released');
  });

  test('empty pages that claim a billion pages end the iteration at once', async () => {
    const body = { items: [], total: 0, page: 1, size: 50, pages: 1_000_000_000 };
    await emu.fault({ method: 'GET', path: '/apis/apps/v2/instances', status: 200, body });
    assert.deepEqual(await collect(client.apps.list()), []);
    const n = (await seen('/apis/apps/v2/instances', 'GET')).length;
    assert.ok(n >= 1 && n <= 2, `${n} requests`);
  });

  /** 40 definitions, each an anyOf of two refs to the next: 2^40 paths for a naive walk. */
  function anyOfLadder() {
    const defs = {};
    for (let i = 0; i < 40; i++) defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    defs.d40 = { type: 'object', properties: { name: { type: 'string' } } };
    return { type: 'object', properties: { preset: { $ref: '#/$defs/d0' } }, $defs: defs };
  }

  /** A 200,000-long $ref chain (deep recursion for a naive resolver). */
  function refChain() {
    const defs = {};
    for (let i = 0; i < 200_000; i++) defs[`r${i}`] = { $ref: `#/$defs/r${i + 1}` };
    defs.r200000 = { type: 'object' };
    return { type: 'object', properties: { preset: { $ref: '#/$defs/r0' } }, $defs: defs };
  }

  for (const [name, schema] of [['anyOf ladder', anyOfLadder], ['$ref chain', refChain]]) {
    test(`configure() against a hostile template schema (${name}) settles, and the client keeps working`, async () => {
      // vscode@v25.6.0 is the demo app's version: configure checks the input against that schema.
      await emu.control('POST', '/templates', { name: 'vscode', version: 'v25.6.0', input: schema() });
      const t0 = performance.now();
      const outcome = await client.apps.configure(DEMO.vscode, { input: { preset: { name: 'cpu-small' } } })
        .then(() => 'resolved', (e) => `rejected: ${e?.name}`);
      const took = performance.now() - t0;
      assert.ok(took < 10000, `took ${took} ms (${outcome})`);
      // The hostile schema was really fetched.
      assert.equal((await seen(`${V1}/templates/vscode/v25.6.0`, 'GET')).length, 1, outcome);
      assert.equal((await client.apps.get(DEMO.sd)).id, DEMO.sd);
    });
  }
});

describe('log memory is bounded for a slow consumer', () => {
  const FIREHOSE = 300 * 1024 * 1024;

  test('logLines: text without a newline beyond maxLogBufferBytes fails the loop; shorter lines pass', async () => {
    // A monitoring server of the test's own: one frame of 64-byte lines, then 4 KiB with no newline.
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    const body = Buffer.from(`${'x'.repeat(63)}\n`.repeat(10) + 'y'.repeat(4096));
    wss.on('connection', (ws) => { ws.send(body); ws.close(1000); });
    try {
      const c = emu.client({ monitoringUrl: `http://127.0.0.1:${wss.address().port}/api/v1/jobs` });
      const lines = [];
      for await (const line of c.apps.logLines(DEMO.vscode, { maxLogBufferBytes: 8192 })) lines.push(line);
      assert.deepEqual(lines.map((l) => l.length), [...Array(10).fill(63), 4096]);
      await assert.rejects(collect(c.apps.logLines(DEMO.vscode, { maxLogBufferBytes: 1024 })),
        (e) => e instanceof ConnectionError && /longer than the log buffer limit \(1024 bytes\)/.test(e.message));
    } finally {
      await new Promise((resolve) => wss.close(resolve));
    }
  });

  /** Reads `iterable` for about `ms`, sleeping 50 ms per chunk; returns bytes read, peak RSS growth, error. */
  async function slowRead(iterable, ms) {
    const base = process.memoryUsage().rss;
    let peak = 0;
    let read = 0;
    let error;
    const t0 = performance.now();
    try {
      for await (const chunk of iterable) {
        read += chunk.byteLength ?? chunk.length;
        peak = Math.max(peak, process.memoryUsage().rss - base);
        if (performance.now() - t0 > ms) break;
        await sleep(50);
      }
    } catch (e) {
      error = e;
    }
    peak = Math.max(peak, process.memoryUsage().rss - base);
    return { read, peak, error };
  }

  const stats = () => emu.control('GET', '/stats');

  test('with `ws`: the socket is paused, so RSS and what the server sent stay small', async () => {
    const { log_streams: streams, log_bytes_sent: sentBefore } = await stats();
    await emu.fault({ path: '/api/v1/apps/*/log_ws', firehose_bytes: FIREHOSE, times: 1 });
    const { read, peak, error } = await slowRead(client.apps.logs(DEMO.vscode, { maxLogBufferBytes: 1 << 20 }), 3000);
    assert.equal(error, undefined, String(error));
    assert.ok(read > 0 && read < 64 * 1024 * 1024, `read ${read}`);
    assert.ok(peak < 64 * 1024 * 1024, `RSS grew by ${peak} bytes`);
    const sent = (await stats()).log_bytes_sent - sentBefore;
    assert.ok(sent < 64 * 1024 * 1024, `the server sent ${sent} bytes of ${FIREHOSE}`);
    // Leaving the loop releases the paused connection (not only after `ws`'s 30 s close timeout).
    await until(async () => (await stats()).log_streams <= streams, 'the server still streams after the consumer left');
  });

  test('with a runtime WebSocket that cannot pause: ConnectionError about the buffer limit', { skip: typeof globalThis.WebSocket !== 'function' && 'no global WebSocket in this Node' }, async () => {
    await emu.fault({ path: '/api/v1/apps/*/log_ws', firehose_bytes: FIREHOSE, times: 1 });
    const { log_streams: streams } = await stats();
    const c = emu.client({ WebSocket: globalThis.WebSocket });
    const { peak, error } = await slowRead(c.apps.logs(DEMO.vscode, { maxLogBufferBytes: 1 << 20 }), 20000);
    assert.ok(error instanceof ConnectionError, `${error?.name}: ${error?.message}`);
    assert.match(error.message, /log buffer limit/);
    assert.ok(peak < 64 * 1024 * 1024, `RSS grew by ${peak} bytes`);
    await until(async () => (await stats()).log_streams <= streams, 'the server still streams after the failure');
  });
});

describe('errors name the request', () => {
  test('headers (a Headers object) and requestId match the server log', async () => {
    const e = await client.apps.get('no-such-app').catch((x) => x);
    assert.ok(e instanceof ResourceNotFound, String(e));
    assert.ok(e.headers instanceof Headers);
    assert.match(e.headers.get('x-request-id'), /^[0-9a-f-]{36}$/);
    assert.equal(e.requestId, e.headers.get('x-request-id'));
    const log = await emu.requests();
    assert.equal(log.length, 1);
    assert.equal(log[0].request_id, e.requestId);
  });

  test('a faulted answer after retries: the last attempt\'s request id', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, status: 503, body: { detail: 'busy' } });
    const e = await client.apps.get(DEMO.sd, { maxRetries: 1 }).catch((x) => x);
    assert.ok(e instanceof ServerNotAvailable, String(e));
    const log = await seen(`/apis/apps/v2/instances/${DEMO.sd}`);
    assert.equal(log.length, 2);
    assert.equal(e.requestId, log[1].request_id);
    assert.equal(e.headers.get('x-request-id'), log[1].request_id);
  });

  test('errors without a response have no headers or requestId', async () => {
    await emu.fault({ method: 'GET', path: GET_ONE, drop: true });
    const e = await client.apps.get(DEMO.sd, { maxRetries: 0 }).catch((x) => x);
    assert.ok(e instanceof ConnectionError, String(e));
    assert.equal(e.requestId, undefined);
    assert.equal(e.headers, undefined);
  });
});
