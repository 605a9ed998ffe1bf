// Shared by the Node tests: one emulator process per test file, its /_emulator control API, and clients
// of the installed package (imported as users do: `apolo-apps` from tests/node/node_modules).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, beforeEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ApoloClient } from 'apolo-apps';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const V1 = '/apis/apps/v1/cluster/default/org/superorg/project/alpha';
export const V1_TEST3 = '/apis/apps/v1/cluster/default/org/superorg/project/test3';
export const ACTIVE_STATES = ['queued', 'progressing', 'healthy', 'degraded', 'errored', 'uninstalling'];
// Demo seed ids (emulator/README.md).
export const DEMO = {
  sd: '704285b2-aab1-4b0a-b8ff-bfbeb37f89e4', // stable-diffusion@v25.5.1, test3, healthy, 3 revisions
  vscode: '5a5fa379-4635-4418-959f-457b44280c21', // alpha, healthy, outputs
  postgres: '2bdb5225-e9f1-4208-a4af-9f7bd21c6d17', // alpha, healthy, outputs
  jupyter: '7c1e0d42-5b1a-4c7e-9d0e-3f6a1b2c4d5e', // alpha, progressing
  shellQueued: '0f3c9a10-8d2e-4b6f-a1c3-5e7d9b2f4a60', // alpha, queued
  jupyterTest3: '3e8b1f27-6c4d-4a9e-b2f0-1d5c7a9e3b84', // test3, degraded
  shellErrored: '9d4a2e6b-1f7c-4e3a-8b5d-c0e2f4a6b8d1', // alpha, errored
};

let sentinels = 0;

export class Emulator {
  constructor(child, url, token, stderr) {
    this.child = child;
    this.url = url;
    this.apiUrl = `${url}/api/v1`;
    this.token = token;
    this.stderr = stderr;
  }

  async control(method, p, body) {
    const res = await fetch(`${this.url}/_emulator${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`control ${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  reset(body = {}) { return this.control('POST', '/reset', body); }
  fault(f) { return this.control('POST', '/faults', f); }
  clearFaults() { return this.control('DELETE', '/faults'); }
  settings(s) { return this.control('PUT', '/settings', s); }
  addApp(app) { return this.control('POST', '/apps', app); }
  setState(id, state) { return this.control('POST', `/apps/${encodeURIComponent(id)}/state`, { state }); }
  async mintToken(user) { return (await this.control('POST', '/token', { user })).token; }
  requests() { return this.control('GET', '/requests'); }
  clearRequests() { return this.control('DELETE', '/requests'); }

  /** The request log as `METHOD path?query` lines. */
  async wire() {
    return (await this.requests()).map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
  }

  /**
   * The request log up to a sentinel request that `client` sends now (sentinels left out). A request the
   * client started earlier goes the same way (its transport, its awaits) and reaches the log first, so
   * "nothing (more) was sent" is read from the log instead of waiting and hoping a late request shows
   * up. Not a plain fetch of the test's own: that one overtakes a request the client has just started.
   */
  async requestsBeforeSentinel(client) {
    const id = `_sentinel-${++sentinels}`;
    await client.apps.get(id).then(
      () => { throw new Error(`sentinel ${id} exists`); },
      (e) => { if (e?.status !== 404) throw e; },
    );
    const log = await this.requests();
    const at = log.findIndex((r) => r.path === `/apis/apps/v2/instances/${id}`);
    if (at < 0) throw new Error(`sentinel ${id} missing from the request log`);
    return log.slice(0, at).filter((r) => !/\/_sentinel-\d+$/.test(r.path));
  }

  /** requestsBeforeSentinel(client) as `METHOD path?query` lines. */
  async wireBeforeSentinel(client) {
    return (await this.requestsBeforeSentinel(client)).map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`);
  }

  /** A client of the installed package with the Appendix B defaults (cluster default, org superorg, project alpha). */
  client(extra = {}) {
    return new ApoloClient({
      apiUrl: this.apiUrl, token: this.token, cluster: 'default', org: 'superorg', project: 'alpha', WebSocket, ...extra,
    });
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/**
 * The usual lifecycle of a test file: one emulator, reset before each test, and a fresh client with
 * `clientOptions`. The returned object's `emu` and `client` are set by the hooks.
 */
export function withEmulator(clientOptions = {}) {
  const ctx = { emu: undefined, client: undefined };
  before(async () => { ctx.emu = await startEmulator(); });
  after(() => ctx.emu?.stop());
  beforeEach(async () => {
    await ctx.emu.reset();
    ctx.client = ctx.emu.client(clientOptions);
  });
  return ctx;
}

export async function startEmulator(args = []) {
  const bin = process.env.APOLO_EMULATOR_BIN ?? path.join(ROOT, 'target/debug/apolo-apps-emulator');
  const child = spawn(bin, ['--port', '0', '--control', '--speed', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Never outlive the test process, even when it ends by --test-force-exit or a failure.
  const reap = () => child.kill('SIGTERM');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { reap(); process.exit(130); });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const lines = readline.createInterface({ input: child.stdout });
  let token;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${stderr}`)), 20000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited (${code}): ${stderr}`)); });
    lines.on('line', (line) => {
      const t = /^dev token: (\S+)/.exec(line);
      if (t) token = t[1];
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  if (!token) throw new Error('emulator printed no dev token');
  return new Emulator(child, url, token, () => stderr);
}

/** Every value of an async iterator. */
export async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** A `ws` subclass that remembers its sockets and when each one closed. */
export function recordingWebSocket() {
  const sockets = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url, protocols, options) {
      super(url, protocols, options);
      sockets.push(this);
      this.closed = new Promise((resolve) => this.addEventListener('close', (ev) => resolve(ev.code)));
    }
  }
  return { WebSocket: RecordingWebSocket, sockets };
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms); }),
  ]);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` (sync or async) until it is truthy; fails after `ms` (a generous liveness bound). */
export async function until(condition, what, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await condition();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
}

/** `s` never contains the token (checked on the message, URL, string form and JSON of an error). */
export function assertNoToken(assert, err, token) {
  for (const s of [err?.message, err?.url, String(err), err?.stack, JSON.stringify(err ?? null)]) {
    if (typeof s === 'string') assert.ok(!s.includes(token), `token leaked into: ${s}`);
  }
}
