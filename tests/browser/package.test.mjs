// The package itself (pkg/web.js) in headless Chromium, without the dashboard: logs() and logLines() over
// the browser's own WebSocket (subprotocol auth, as no header can be set there), laziness, and a
// connection refused by a port that is really closed. What the page sent is read from the emulator's log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { withBrowser } from "./harness.mjs";

const VSCODE = "5a5fa379-4635-4418-959f-457b44280c21"; // alpha, healthy: archive, then live lines
const ERRORED = "9d4a2e6b-1f7c-4e3a-8b5d-c0e2f4a6b8d1"; // alpha, errored: archive (40 lines), then close 1000

const ctx = withBrowser(["--serve", "/pages=tests/browser/pages"], async ({ emu, api, tab }) => {
  // An empty page of the emulator's origin that imports the package and wraps the browser's WebSocket
  // to see its sockets.
  await tab.page.goto(`${emu.url}/pages/package.html`);
  await tab.page.evaluate(async ({ apiUrl, token }) => {
    const pkg = await import("/pkg/web.js");
    const sockets = [];
    const Native = globalThis.WebSocket;
    globalThis.WebSocket = class extends Native {
      constructor(url, protocols) {
        super(url, protocols);
        sockets.push(this);
        this.closed = new Promise((resolve) => this.addEventListener("close", (ev) => resolve(ev.code)));
      }
    };
    const client = new pkg.ApoloClient({ apiUrl, token, cluster: "default", org: "superorg", project: "alpha" });
    window.t = { pkg, client, sockets, token };
  }, { apiUrl: `${emu.url}/api/v1`, token: api.token });
  await api.json("DELETE", "/_emulator/requests", undefined, false);
});

let sentinels = 0;
/**
 * The request log up to a sentinel request that the page's client sends now (sentinels left out): a
 * request the page started earlier takes the same way and is logged first, so "nothing was sent" needs
 * no waiting.
 */
async function requestsBeforeSentinel() {
  const id = `_sentinel-${++sentinels}`;
  ctx.tab.expect(/Failed to load resource.*404/);
  const status = await ctx.tab.page.evaluate((x) => window.t.client.apps.get(x).then(() => 200, (e) => e.status), id);
  assert.equal(status, 404);
  const log = await ctx.api.json("GET", "/_emulator/requests", undefined, false);
  const at = log.findIndex((r) => r.path === `/apis/apps/v2/instances/${id}`);
  assert.ok(at >= 0, `sentinel ${id} in the request log`);
  return log.slice(0, at).filter((r) => !/\/_sentinel-\d+$/.test(r.path));
}
const wire = async () => (await requestsBeforeSentinel()).map((r) => `${r.method} ${r.path}${r.query ? `?${r.query}` : ""}`);

test("logLines and logs over the browser's WebSocket: lazy, subprotocol auth, close 1000, break closes", async () => {
  const { page } = ctx.tab;
  // Made, not pulled: no socket, no request.
  assert.equal(await page.evaluate((id) => {
    window.t.lines = window.t.client.apps.logLines(id, { timestamps: true });
    window.t.chunks = window.t.client.apps.logs(id);
    return window.t.sockets.length;
  }, ERRORED), 0);
  assert.deepEqual(await wire(), []);

  // A stopped app: the whole archive, then the server's close 1000 ends the iterator.
  const got = await page.evaluate(async () => {
    const lines = [];
    for await (const line of window.t.lines) lines.push(line);
    const ws = window.t.sockets[0];
    return { lines, sockets: window.t.sockets.length, code: await ws.closed, protocol: ws.protocol };
  });
  assert.equal(got.lines.length, 40);
  assert.ok(got.lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z shell shell: .*\(line \d+\)$/.test(l)), got.lines[0]);
  assert.equal(got.sockets, 1);
  assert.equal(got.code, 1000);
  assert.equal(got.protocol, "logs.apolo.us");
  const log = await requestsBeforeSentinel();
  assert.deepEqual(log.map((r) => `${r.method} ${r.path}?${r.query}`),
    ["GET /api/v1/config?", `GET /api/v1/apps/${ERRORED}/log_ws?timestamps=true`]);
  const ws = log[1];
  assert.equal(ws.headers["sec-websocket-protocol"], `logs.apolo.us, bearer.apolo.us-${ctx.api.token}`);
  assert.equal(ws.headers.authorization, undefined, "the token travels in the subprotocol only");
  assert.ok(log.every((r) => !r.path.includes(ctx.api.token) && !r.query.includes(ctx.api.token)));

  // Chunks of the same archive are the same text.
  const text = await page.evaluate(async () => {
    const parts = [];
    for await (const c of window.t.chunks) parts.push(c instanceof Uint8Array ? c : null);
    return parts.includes(null) ? null : new TextDecoder().decode(new Uint8Array(parts.flatMap((c) => [...c])));
  });
  assert.equal(text.split("\n").filter(Boolean).length, 40);
  assert.match(text, /^shell shell: Pulling image \(line 0\)\n/);

  // A live stream never ends by itself: leaving the loop closes the socket (1000).
  const live = await page.evaluate(async (id) => {
    let seen = "";
    for await (const c of window.t.client.apps.logs(id)) {
      seen += new TextDecoder().decode(c);
      if (/=== Live logs ===[^\n]*\n.*live line/s.test(seen)) break;
    }
    const ws = window.t.sockets.at(-1);
    return { sockets: window.t.sockets.length, code: await ws.closed, separator: seen.includes("=== Live logs ===") };
  }, VSCODE);
  assert.deepEqual(live, { sockets: 3, code: 1000, separator: true });
});

test("a refused logs handshake of an unknown app is ResourceNotFound", async () => {
  ctx.tab.expect(/WebSocket connection to .* failed/);
  ctx.tab.expect(/Failed to load resource.*404/);
  const name = await ctx.tab.page.evaluate(async () => {
    try {
      for await (const _ of window.t.client.apps.logLines("no-such-app")) return "no error";
    } catch (e) {
      return e instanceof window.t.pkg.ResourceNotFound ? `ResourceNotFound ${e.status}` : `${e.name}: ${e.message}`;
    }
    return "ended";
  });
  assert.equal(name, "ResourceNotFound 404");
});

test("a port that is really closed: ConnectionError from fetch and from the WebSocket", async () => {
  // Bound on 127.0.0.1:0, then closed: connections are refused (not a port the browser blocks, like 9).
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  ctx.tab.expect(/ERR_CONNECTION_REFUSED/);
  ctx.tab.expect(/WebSocket connection to .* failed/);
  const got = await ctx.tab.page.evaluate(async ({ port, id }) => {
    const { ApoloClient, ConnectionError } = window.t.pkg;
    const describe = (e) => (e instanceof ConnectionError ? `ConnectionError status=${e.status}` : `${e?.name}: ${e?.message}`);
    const out = {};
    const closed = new ApoloClient({ apiUrl: `http://127.0.0.1:${port}/api/v1`, token: "t.t.t", cluster: "default", org: "superorg", project: "alpha" });
    try { await closed.apps.get(id); out.get = "resolved"; } catch (e) { out.get = describe(e); }
    // The Apps API answers, the monitoring host refuses: the handshake's failure is a ConnectionError.
    const logs = new ApoloClient({
      apiUrl: `${location.origin}/api/v1`, token: window.t.token, cluster: "default", org: "superorg", project: "alpha",
      monitoringUrl: `http://127.0.0.1:${port}/api/v1/jobs`,
    });
    try { for await (const _ of logs.apps.logs(id)) { out.logs = "a chunk"; break; } } catch (e) { out.logs = describe(e); }
    return out;
  }, { port, id: VSCODE });
  assert.deepEqual(got, { get: "ConnectionError status=undefined", logs: "ConnectionError status=undefined" });
});
