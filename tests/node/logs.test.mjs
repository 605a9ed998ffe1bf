// Logs over a real WebSocket (Node 20: the `ws` package passed as the WebSocket option): the emulator's
// log_ws, plus a small `ws` server on 127.0.0.1 for frame shapes the emulator never sends.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  ApoloClient, ApoloError, AuthenticationError, ConnectionError, IllegalArgumentError, ResourceNotFound,
} from 'apolo-apps';
import { WebSocketServer } from 'ws';
import {
  DEMO, assertNoToken, closedPort, collect, recordingWebSocket, sleep, startEmulator, withTimeout,
} from './helpers.mjs';

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(() => emu.reset());

const logWs = (id) => `/api/v1/apps/${id}/log_ws`;
// The runtime's own WebSocket (Node >= 22), captured before any test swaps the global.
const NATIVE_WEBSOCKET = globalThis.WebSocket;

describe('logs from the emulator', () => {
  test('since and timestamps on the wire, subprotocol auth (Appendix B #22)', async () => {
    const { WebSocket, sockets } = recordingWebSocket();
    const client = emu.client({ WebSocket });
    const chunks = await collect(client.apps.logs(DEMO.shellErrored, { since: '2025-05-07T11:00:00+00:00', timestamps: true }));
    assert.ok(chunks.length > 0);
    assert.ok(chunks.every((c) => c instanceof Uint8Array && c.byteLength > 0));
    const text = new TextDecoder().decode(Buffer.concat(chunks));
    const lines = text.split('\n').filter(Boolean);
    assert.equal(lines.length, 40);
    assert.ok(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z shell shell: .*\(line \d+\)$/.test(l)), lines[0]);
    const reqs = (await emu.requests()).filter((r) => r.path.startsWith('/api/v1/apps/'));
    assert.equal(reqs.length, 1);
    assert.equal(`${reqs[0].path}?${reqs[0].query}`,
      `${logWs(DEMO.shellErrored)}?since=2025-05-07T11:00:00%2B00:00&timestamps=true`);
    // Both subprotocols, the bearer one last (browsers and undici join them with ", ", `ws` with ",").
    assert.deepEqual(reqs[0].headers['sec-websocket-protocol'].split(/,\s*/), ['logs.apolo.us', `bearer.apolo.us-${emu.token}`]);
    // `ws` also sends the SDK's header, which the platform reads when the subprotocol list has no space.
    assert.equal(reqs[0].headers.authorization, `Bearer ${emu.token}`);
    assert.ok(!reqs[0].query.includes(emu.token));
    assert.equal(sockets.length, 1);
    assert.equal(await sockets[0].closed, 1000);
  });

  test('no options: no query; /config is read once for the monitoring URL', async () => {
    const client = emu.client();
    const lines = await collect(client.apps.logLines(DEMO.shellErrored));
    assert.equal(lines.length, 40);
    assert.ok(lines.every((l) => /^shell shell: .*\(line \d+\)$/.test(l)), lines[0]);
    await collect(client.apps.logLines(DEMO.shellErrored, { cluster: 'default' }));
    assert.deepEqual(await emu.wire(), ['GET /api/v1/config', `GET ${logWs(DEMO.shellErrored)}`, `GET ${logWs(DEMO.shellErrored)}`]);
  });

  test('a monitoringUrl option skips /config', async () => {
    const client = emu.client({ monitoringUrl: `${emu.url}/api/v1/jobs` });
    assert.equal((await collect(client.apps.logLines(DEMO.shellErrored))).length, 40);
    assert.deepEqual(await emu.wire(), [`GET ${logWs(DEMO.shellErrored)}`]);
  });

  test('since as a Date is sent as an ISO string and honoured', async () => {
    const client = emu.client();
    const app = await client.apps.get(DEMO.shellErrored);
    const since = new Date(app.created_at.getTime() + 1000); // archive line k is at created_at + k * 100 ms
    const lines = await collect(client.apps.logLines(DEMO.shellErrored, { since }));
    assert.equal(lines.length, 30);
    assert.match(lines[0], /\(line 10\)$/);
    const req = (await emu.requests()).find((r) => r.path === logWs(DEMO.shellErrored));
    assert.equal(req.query, `since=${since.toISOString()}`);
  });

  test('chunks and lines carry the same text', async () => {
    const client = emu.client();
    const chunks = await collect(client.apps.logs(DEMO.shellErrored));
    const lines = await collect(client.apps.logLines(DEMO.shellErrored));
    assert.equal(new TextDecoder().decode(Buffer.concat(chunks)), `${lines.join('\n')}\n`);
  });

  test('a 4 MB archive: every byte arrives, lines match the bytes', async () => {
    await emu.reset({ seed: 'generated', apps: 5, log_bytes: 4_000_000 });
    const errored = '00000004-0000-4000-8000-000000000000'; // generated state i % 7 == 4: errored, so the stream ends
    const client = emu.client();
    const chunks = await collect(client.apps.logs(errored));
    const bytes = Buffer.concat(chunks);
    assert.ok(bytes.length >= 4_000_000, `${bytes.length} bytes`);
    const lines = await collect(client.apps.logLines(errored));
    const text = new TextDecoder().decode(bytes);
    assert.equal(lines.length, text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '').length);
    assert.equal(lines.join('\n'), text.replace(/\n$/, ''));
  });

  test('break on a live stream closes the socket', async () => {
    const { WebSocket, sockets } = recordingWebSocket();
    const client = emu.client({ WebSocket });
    let n = 0;
    for await (const chunk of client.apps.logs(DEMO.vscode)) { // healthy: archive, then live forever
      assert.ok(chunk.byteLength > 0);
      if (++n === 3) break;
    }
    assert.equal(sockets.length, 1);
    // A live stream never ends by itself, so a prompt, clean close is the client's doing.
    assert.equal(await withTimeout(sockets[0].closed, 10_000, 'socket close'), 1000);
    assert.equal(sockets[0].readyState, 3);
  });

  test('break from logLines closes the socket too', async () => {
    const { WebSocket, sockets } = recordingWebSocket();
    const client = emu.client({ WebSocket });
    for await (const line of client.apps.logLines(DEMO.vscode)) {
      assert.equal(typeof line, 'string');
      break;
    }
    assert.equal(await withTimeout(sockets[0].closed, 10_000, 'socket close'), 1000);
  });

  test('the stream ends (close 1000) when the app stops', async () => {
    const { WebSocket, sockets } = recordingWebSocket();
    const client = emu.client({ WebSocket });
    const it = client.apps.logLines(DEMO.vscode);
    const seen = [];
    for (let i = 0; i < 42; i++) seen.push((await it.next()).value); // archive + separator + a live line
    assert.match(seen[39], /\(line 39\)$/);
    assert.match(seen[40], /^=== Live logs ===[0-9a-f]{60}$/);
    const live = /^vscode vscode: live line (\d+)$/;
    assert.match(seen[41], live);
    await emu.setState(DEMO.vscode, 'errored');
    // The app is stopped: the iterator ends by itself, without an error (a live stream never does).
    const rest = await withTimeout(collect(it), 10_000, 'end of stream');
    // After the stop only live lines already on their way may come, numbered on from the last one seen.
    const last = Number(live.exec(seen[41])[1]);
    rest.forEach((l, i) => assert.equal(l, `vscode vscode: live line ${last + 1 + i}`));
    assert.equal(sockets.length, 1);
    assert.equal(await sockets[0].closed, 1000, 'closed by the server with 1000');
  });

  test('logs() and logLines() open no socket and send nothing before the first pull', async () => {
    const { WebSocket, sockets } = recordingWebSocket();
    const client = emu.client({ WebSocket });
    const chunks = client.apps.logs(DEMO.vscode);
    const lines = client.apps.logLines(DEMO.vscode, { timestamps: true });
    const never = client.apps.logs(DEMO.vscode);
    assert.equal(sockets.length, 0);
    assert.deepEqual(await emu.wireBeforeSentinel(client), []);
    // The first pull does it all: /config for the monitoring URL, then the socket.
    assert.ok((await chunks.next()).value.byteLength > 0);
    assert.equal(sockets.length, 1);
    assert.deepEqual(await emu.wireBeforeSentinel(client), ['GET /api/v1/config', `GET ${logWs(DEMO.vscode)}`]);
    assert.equal(typeof (await lines.next()).value, 'string');
    assert.equal(sockets.length, 2);
    await chunks.return();
    await lines.return();
    // Left before its first pull: never sends anything.
    assert.deepEqual(await never.return(), { value: undefined, done: true });
    assert.deepEqual(await never.next(), { value: undefined, done: true });
    assert.equal(sockets.length, 2);
    assert.deepEqual(await emu.wireBeforeSentinel(client),
      ['GET /api/v1/config', `GET ${logWs(DEMO.vscode)}`, `GET ${logWs(DEMO.vscode)}?timestamps=true`]);
    for (const s of sockets) assert.equal(await withTimeout(s.closed, 10_000, 'socket close'), 1000);
  });

  test('an already aborted signal sends nothing', async () => {
    const { WebSocket, sockets } = recordingWebSocket();
    const client = emu.client({ WebSocket });
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(collect(client.apps.logs(DEMO.vscode, { signal: ctl.signal })), (e) => e.name === 'AbortError');
    await assert.rejects(collect(client.apps.logLines(DEMO.vscode, { signal: ctl.signal })), (e) => e.name === 'AbortError');
    assert.equal(sockets.length, 0);
    assert.deepEqual(await emu.wireBeforeSentinel(client), []);
  });

  test('the global WebSocket is used when no option is given', async () => {
    const { WebSocket, sockets } = recordingWebSocket();
    const saved = globalThis.WebSocket;
    globalThis.WebSocket = WebSocket;
    try {
      const client = new ApoloClient({ apiUrl: emu.apiUrl, token: emu.token, project: 'alpha', cluster: 'default', org: 'superorg' });
      assert.equal((await collect(client.apps.logLines(DEMO.shellErrored))).length, 40);
      assert.equal(sockets.length, 1);
    } finally {
      globalThis.WebSocket = saved;
    }
  });
});

describe('logs with undici\'s WebSocket (the global one of Node >= 22)', () => {
  test('as the global WebSocket: subprotocol auth alone, break closes the socket', async () => {
    const { WebSocket: UndiciWebSocket } = await import('undici');
    const sockets = [];
    class Recording extends UndiciWebSocket {
      constructor(url, protocols) {
        super(url, protocols);
        sockets.push(this);
        this.closed = new Promise((resolve) => this.addEventListener('close', (ev) => resolve(ev.code)));
      }
    }
    const saved = globalThis.WebSocket;
    globalThis.WebSocket = Recording;
    try {
      const client = new ApoloClient({ apiUrl: emu.apiUrl, token: emu.token, project: 'alpha', cluster: 'default', org: 'superorg' });
      const lines = await collect(client.apps.logLines(DEMO.shellErrored, { timestamps: true }));
      assert.equal(lines.length, 40);
      const req = (await emu.requests()).find((r) => r.path === logWs(DEMO.shellErrored));
      assert.equal(req.headers['sec-websocket-protocol'], `logs.apolo.us, bearer.apolo.us-${emu.token}`);
      assert.equal(req.headers.authorization, undefined); // the token travels in the subprotocol only
      for await (const chunk of client.apps.logs(DEMO.vscode)) { assert.ok(chunk.byteLength > 0); break; }
      assert.equal(await withTimeout(sockets[1].closed, 10_000, 'socket close'), 1000);
      await assert.rejects(collect(client.apps.logs('no-such-app')), ResourceNotFound);
    } finally {
      globalThis.WebSocket = saved;
    }
  });
});

describe('logs with the runtime\'s own global WebSocket', () => {
  // tests/node/run.sh runs this file on Node 20 and on Node 22; on Node 20 there is none to test.
  test('no WebSocket option: subprotocol auth alone, lines arrive, a live stream can be left, errors are typed',
    { skip: NATIVE_WEBSOCKET ? false : `Node ${process.version} has no global WebSocket` }, async () => {
      assert.equal(globalThis.WebSocket, NATIVE_WEBSOCKET);
      const client = new ApoloClient({ apiUrl: emu.apiUrl, token: emu.token, project: 'alpha', cluster: 'default', org: 'superorg' });
      const lines = await collect(client.apps.logLines(DEMO.shellErrored, { timestamps: true }));
      assert.equal(lines.length, 40);
      const req = (await emu.requests()).find((r) => r.path === logWs(DEMO.shellErrored));
      assert.equal(req.headers['sec-websocket-protocol'], `logs.apolo.us, bearer.apolo.us-${emu.token}`);
      assert.equal(req.headers.authorization, undefined);
      for await (const chunk of client.apps.logs(DEMO.vscode)) { assert.ok(chunk.byteLength > 0); break; }
      await assert.rejects(collect(client.apps.logs('no-such-app')), ResourceNotFound);
    });
});

describe('logs errors', () => {
  test('no WebSocket implementation: IllegalArgumentError, nothing sent', async () => {
    // Node >= 22 has a global WebSocket: hidden here, so that the test runs on every Node.
    const saved = globalThis.WebSocket;
    globalThis.WebSocket = undefined;
    const client = new ApoloClient({ apiUrl: emu.apiUrl, token: emu.token });
    try {
      await assert.rejects(collect(client.apps.logs(DEMO.vscode)), IllegalArgumentError);
      await assert.rejects(collect(client.apps.logLines(DEMO.vscode)), IllegalArgumentError);
    } finally {
      globalThis.WebSocket = saved;
    }
    assert.deepEqual(await emu.wireBeforeSentinel(client), []);
  });

  test('a monitoring port nothing listens on: ConnectionError', async () => {
    const port = await closedPort(); // bound on 127.0.0.1:0, then closed: a refused connection
    const { WebSocket, sockets } = recordingWebSocket();
    const client = emu.client({ WebSocket, monitoringUrl: `http://127.0.0.1:${port}/api/v1/jobs` });
    await assert.rejects(collect(client.apps.logs(DEMO.vscode)), (e) => {
      assert.ok(e instanceof ConnectionError, e);
      assert.equal(e.status, undefined);
      assertNoToken(assert, e, emu.token);
      return true;
    });
    assert.equal(sockets.length, 1);
    // The runtime's own WebSocket (Node >= 22) reports the refusal its own way: the same class.
    if (NATIVE_WEBSOCKET) {
      const native = emu.client({ WebSocket: NATIVE_WEBSOCKET, monitoringUrl: `http://127.0.0.1:${port}/api/v1/jobs` });
      await assert.rejects(collect(native.apps.logLines(DEMO.vscode)), ConnectionError);
    }
  });

  test('a cluster the server does not know: IllegalArgumentError after reading /config', async () => {
    const client = emu.client();
    await assert.rejects(collect(client.apps.logs(DEMO.shellErrored, { cluster: 'elsewhere' })),
      (e) => e instanceof IllegalArgumentError && /elsewhere/.test(e.message));
    assert.deepEqual(await emu.wire(), ['GET /api/v1/config']);
  });

  test('unknown app: ResourceNotFound', async () => {
    const client = emu.client();
    await assert.rejects(collect(client.apps.logs('no-such-app')), (e) => {
      assert.ok(e instanceof ResourceNotFound, e);
      assert.equal(e.status, 404);
      assertNoToken(assert, e, emu.token);
      return true;
    });
  });

  test('bad token: AuthenticationError, token not in the error', async () => {
    const token = 'not-a-jwt-secret-value';
    const client = emu.client({ token, monitoringUrl: `${emu.url}/api/v1/jobs` });
    await assert.rejects(collect(client.apps.logs(DEMO.vscode)), (e) => {
      assert.ok(e instanceof AuthenticationError, e);
      assert.equal(e.status, 401);
      assertNoToken(assert, e, token);
      return true;
    });
  });

  test('an unparsable since: IllegalArgumentError (400 on the handshake)', async () => {
    const client = emu.client();
    await assert.rejects(collect(client.apps.logs(DEMO.shellErrored, { since: 'yesterday-ish' })), IllegalArgumentError);
    await assert.rejects(collect(client.apps.logs(DEMO.shellErrored, { since: new Date('nope') })), IllegalArgumentError);
  });

  test('a connection cut without a close frame: ConnectionError after the data that came', async () => {
    await emu.fault({ path: `${logWs(DEMO.vscode)}`, ws_drop_after_bytes: 500 });
    const client = emu.client();
    const got = [];
    await assert.rejects(async () => { for await (const c of client.apps.logs(DEMO.vscode)) got.push(c); }, ConnectionError);
    assert.ok(got.reduce((n, c) => n + c.byteLength, 0) > 0);
  });
});

describe('logs frame handling (a ws server on 127.0.0.1)', () => {
  let wss;
  let port;
  let scenario;
  const seen = [];
  before(async () => {
    wss = new WebSocketServer({
      host: '127.0.0.1', port: 0,
      handleProtocols: (protocols) => (protocols.has('logs.apolo.us') ? 'logs.apolo.us' : false),
    });
    await new Promise((resolve) => wss.once('listening', resolve));
    port = wss.address().port;
    wss.on('connection', (socket, req) => {
      seen.push({ url: req.url, protocol: req.headers['sec-websocket-protocol'] });
      scenario(socket);
    });
  });
  after(() => new Promise((resolve) => wss.close(resolve)));
  const client = () => emu.client({ monitoringUrl: `http://127.0.0.1:${port}/api/v1/jobs` });

  test('UTF-8 split across chunks, empty frames skipped, a last line without newline', async () => {
    const bytes = Buffer.from('héllo\nworld\n日本語');
    scenario = async (socket) => {
      // split inside "é" and inside "本"; plus empty frames
      for (const part of [bytes.subarray(0, 2), Buffer.alloc(0), bytes.subarray(2, 16), bytes.subarray(16)]) {
        socket.send(part, { binary: true });
      }
      socket.close(1000);
    };
    seen.length = 0;
    const chunks = await collect(client().apps.logs('app-1'));
    assert.equal(chunks.length, 3);
    assert.deepEqual(Buffer.concat(chunks), bytes);
    assert.deepEqual(await collect(client().apps.logLines('app-1')), ['héllo', 'world', '日本語']);
    assert.equal(seen[0].url, '/api/v1/apps/app-1/log_ws');
    assert.deepEqual(seen[0].protocol.split(/,\s*/), ['logs.apolo.us', `bearer.apolo.us-${emu.token}`]);
  });

  test('a text frame is an error', async () => {
    scenario = (socket) => { socket.send(Buffer.from('ok\n'), { binary: true }); socket.send('text!'); };
    const got = [];
    await assert.rejects(async () => { for await (const c of client().apps.logs('app-1')) got.push(c); },
      (e) => e instanceof ApoloError && /text frame/.test(e.message));
    assert.equal(got.length, 1);
  });

  test('a close other than 1000 is a ConnectionError', async () => {
    scenario = (socket) => { socket.send(Buffer.from('a\n'), { binary: true }); socket.close(1011, 'backend down'); };
    await assert.rejects(collect(client().apps.logs('app-1')), (e) => e instanceof ConnectionError && /1011/.test(e.message));
  });

  test('a refused handshake of an existing app reports the HTTP status class', async () => {
    // The ws server refuses a client that does not offer logs.apolo.us... the client always does, so
    // refuse by status instead: a server that answers 503 to the upgrade.
    const { createServer } = await import('node:http');
    const srv = createServer((req, res) => { res.writeHead(503); res.end('busy'); });
    srv.on('upgrade', (req, sock) => { sock.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n'); });
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
    try {
      const c = emu.client({ monitoringUrl: `http://127.0.0.1:${srv.address().port}/api/v1/jobs` });
      const { ServerNotAvailable } = await import('apolo-apps');
      await assert.rejects(collect(c.apps.logs(DEMO.vscode)), ServerNotAvailable);
    } finally {
      srv.close();
    }
  });

  test('abort rejects the pending next() with the reason and closes the socket', async () => {
    let serverSide;
    scenario = (socket) => { serverSide = socket; socket.send(Buffer.from('first\n'), { binary: true }); };
    const ctl = new AbortController();
    const it = client().apps.logs('app-1', { signal: ctl.signal });
    assert.equal(new TextDecoder().decode((await it.next()).value), 'first\n');
    const pending = it.next(); // the server sends nothing more: only the abort can settle it
    const closed = new Promise((resolve) => serverSide.once('close', resolve));
    const reason = new Error('stop now');
    ctl.abort(reason);
    await assert.rejects(withTimeout(pending, 10_000, 'the aborted next()'), (e) => e === reason);
    assert.equal(await withTimeout(closed, 10_000, 'server saw the close'), 1000);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test('an idle stream stays open until the consumer stops', async () => {
    let serverSide;
    scenario = (socket) => { serverSide = socket; socket.send(Buffer.from('first\n'), { binary: true }); };
    // timeoutMs bounds the handshake only: a stream idle for longer is still open.
    const it = emu.client({ monitoringUrl: `http://127.0.0.1:${port}/api/v1/jobs`, timeoutMs: 1000 }).apps.logLines('app-1');
    assert.deepEqual(await it.next(), { value: 'first', done: false });
    const pending = it.next();
    await sleep(1500); // the idle time is the behaviour under test, not a synchronisation
    serverSide.send(Buffer.from('second\n'), { binary: true });
    assert.deepEqual(await pending, { value: 'second', done: false });
    const closed = new Promise((resolve) => serverSide.once('close', resolve));
    await it.return();
    assert.equal(await withTimeout(closed, 10_000, 'server saw the close'), 1000);
  });
});
