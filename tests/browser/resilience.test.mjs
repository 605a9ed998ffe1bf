// The package's retry and timeout policy in headless Chromium, where requests go through the page's
// own fetch: the same rules as in Node (tests/node/resilience.test.mjs), counted by the emulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { withBrowser } from "./harness.mjs";

const SD = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4";
const GET_ONE = "/apis/apps/v2/instances/*";

const ctx = withBrowser([], async ({ emu, api, tab }) => {
  // The browser reports each faulted answer on the console; those are provoked on purpose.
  tab.expect(/Failed to load resource: the server responded with a status of (503|429)/);
  await tab.page.route(`${emu.url}/blank.html`, (r) => r.fulfill({ contentType: "text/html", body: "<!doctype html><title>retries</title>" }));
  await tab.page.goto(`${emu.url}/blank.html`);
  await tab.page.evaluate(async ({ apiUrl, token }) => {
    const pkg = await import("/pkg/web.js");
    const events = [];
    const make = (extra) => new pkg.ApoloClient({
      apiUrl, token, cluster: "default", org: "superorg", project: "alpha",
      onRetry: (e) => events.push(["retry", e.reason, e.delayMs]),
      onResponse: (e) => events.push(["response", e.status]),
      ...extra,
    });
    window.t = { pkg, make, events };
  }, { apiUrl: `${emu.url}/api/v1`, token: api.token });
  await api.json("DELETE", "/_emulator/requests", undefined, false);
});

const fault = (f) => ctx.api.json("POST", "/_emulator/faults", f, false);
// Requests the page sent since the last count (the log is cleared after each). Each test counts after
// the page's call has settled, so everything it sent is in the log already.
const sent = async (method, pathPart) => {
  const log = await ctx.api.json("GET", "/_emulator/requests", undefined, false);
  const n = log.filter((r) => r.method === method && r.path.includes(pathPart)).length;
  await ctx.api.json("DELETE", "/_emulator/requests", undefined, false);
  return n;
};

test("a GET meeting two transient 503s succeeds on the third request", async () => {
  await fault({ method: "GET", path: GET_ONE, status: 503, body: { error: "busy" }, times: 2 });
  const r = await ctx.tab.page.evaluate(async (id) => {
    const app = await window.t.make().apps.get(id);
    return { id: app.id, events: window.t.events };
  }, SD);
  assert.equal(r.id, SD);
  assert.equal(await sent("GET", SD), 3);
  const retries = r.events.filter((e) => e[0] === "retry");
  assert.deepEqual(retries.map((e) => e[1]), ["status 503", "status 503"]);
  assert.ok(retries[1][2] > retries[0][2], "the backoff grows");
});

test("an install that meets a 503 is sent once; one that meets a 429 is sent again", async () => {
  await fault({ method: "POST", path: "/apis/apps/v1/*/instances", status: 503, body: { error: "busy" }, times: 1 });
  const first = await ctx.tab.page.evaluate(async () => {
    try {
      await window.t.make().apps.install({ template_name: "shell", template_version: "latest", input: {} });
      return "installed";
    } catch (e) {
      return e instanceof window.t.pkg.ServerNotAvailable ? "ServerNotAvailable" : `${e.name}: ${e.message}`;
    }
  });
  assert.equal(first, "ServerNotAvailable");
  assert.equal(await sent("POST", "/instances"), 1);

  await fault({ method: "POST", path: "/apis/apps/v1/*/instances", status: 429, body: { error: "slow down" }, retry_after: 0, times: 1 });
  const second = await ctx.tab.page.evaluate(async () => (await window.t.make().apps.install({ template_name: "shell", template_version: "latest", input: {} })).state);
  assert.equal(second, "queued");
  assert.equal(await sent("POST", "/instances"), 2, "one 429, then the install");
});

test("Retry-After: 1 is waited, and maxRetries: 0 sends once", async () => {
  await fault({ method: "GET", path: GET_ONE, status: 503, body: { error: "busy" }, retry_after: 1, times: 1 });
  const waited = await ctx.tab.page.evaluate(async (id) => {
    const t0 = performance.now();
    await window.t.make().apps.get(id);
    return performance.now() - t0;
  }, SD);
  assert.ok(waited >= 900, `waited ${waited} ms`);
  assert.equal(await sent("GET", SD), 2);

  await fault({ method: "GET", path: GET_ONE, status: 503, body: { error: "busy" }, times: 1 });
  const name = await ctx.tab.page.evaluate(async (id) => window.t.make({ maxRetries: 0 }).apps.get(id).then(() => "ok", (e) => e.name), SD);
  assert.equal(name, "ServerNotAvailable");
  assert.equal(await sent("GET", SD), 1);
});

test("timeoutMs bounds each attempt: TimeoutError without retries, a retry succeeds", async () => {
  await fault({ method: "GET", path: GET_ONE, delay_ms: 5000, times: 1 });
  const r = await ctx.tab.page.evaluate(async (id) => {
    const e = await window.t.make({ timeoutMs: 500, maxRetries: 0 }).apps.get(id).catch((x) => x);
    return { timeout: e instanceof window.t.pkg.TimeoutError, message: e.message };
  }, SD);
  assert.ok(r.timeout, r.message);

  await fault({ method: "GET", path: GET_ONE, delay_ms: 5000, times: 1 });
  const again = await ctx.tab.page.evaluate(async (id) => {
    window.t.events.length = 0;
    const app = await window.t.make({ timeoutMs: 500 }).apps.get(id);
    return { id: app.id, reasons: window.t.events.filter((e) => e[0] === "retry").map((e) => e[1]) };
  }, SD);
  assert.deepEqual(again, { id: SD, reasons: ["timeout"] });
});

test("a token provider and hooks in the browser: expiring tokens are refreshed, hooks never see the token", async () => {
  // Every token answers 401 after two uses; the page's provider moves to the next pre-minted token
  // when its onResponse hook sees a 401, as an app refreshing on expiry would.
  const tokens = [];
  for (let i = 0; i < 8; i++) tokens.push((await ctx.api.json("POST", "/_emulator/token", { user: "demo" }, false)).token);
  await ctx.api.json("PUT", "/_emulator/settings", { token_max_uses: 2 }, false);
  ctx.tab.expect(/Failed to load resource: the server responded with a status of 401/);
  try {
    const r = await ctx.tab.page.evaluate(async ({ tokens, id }) => {
      let i = 0;
      const seen = [];
      const client = window.t.make({
        token: async () => tokens[i],
        onRequest: (e) => seen.push(e),
        onResponse: (e) => { seen.push(e); if (e.status === 401) i += 1; },
      });
      const ids = [];
      for (let n = 0; n < 3; n++) ids.push((await client.apps.get(id)).id);
      let listed = 0;
      for await (const _ of client.apps.list()) listed += 1;
      return { ids, listed, used: i, seen: JSON.stringify(seen) };
    }, { tokens, id: SD });
    assert.deepEqual(r.ids, [SD, SD, SD]);
    assert.ok(r.listed > 0);
    assert.ok(r.used >= 1, "at least one token expired and was replaced");
    for (const t of tokens) assert.ok(!r.seen.includes(t), "a hook received a token");
    assert.match(r.seen, /"status":401/);
  } finally {
    await ctx.api.json("PUT", "/_emulator/settings", { token_max_uses: null }, false);
  }
});
