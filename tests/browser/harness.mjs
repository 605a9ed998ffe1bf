// Shared setup of the page tests: the real emulator (serving www/ and pkg/ on one origin) and
// Debian's Chromium driven by playwright-core. Nothing is mocked.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, beforeEach } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SHOTS = path.join(ROOT, "test-output", "screenshots");
const EMULATOR = process.env.APOLO_EMULATOR_BIN || path.join(ROOT, "target/debug/apolo-apps-emulator");
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const FLAGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];

/** Starts the emulator on a free port; resolves to {url, stop()}. */
export function startEmulator(extra = []) {
  const args = ["--port", "0", "--control", "--speed", "0", "--seed", "demo", "--serve", "/=www", "--serve", "/pkg=pkg", ...extra];
  const proc = spawn(EMULATOR, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => { proc.kill(); reject(new Error(`emulator did not start in 30 s\n${out}${stderr}`)); }, 30_000);
    proc.on("error", (e) => { clearTimeout(timer); reject(new Error(`cannot run ${EMULATOR}: ${e.message}`)); });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`emulator exited (${code}) before it was ready\n${stderr}`)); });
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /^listening on (http:\/\/\S+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners("exit");
        resolve({
          url: m[1],
          stop: () => new Promise((r) => {
            if (proc.exitCode !== null) return r();
            proc.once("exit", r);
            proc.kill("SIGTERM");
          }),
        });
      }
    });
  });
}

/** Launches Chromium with a fresh profile; resolves to {context, close()}. */
export async function startBrowser() {
  const profile = mkdtempSync(path.join(tmpdir(), "apolo-browser-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1360, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A new page that records console errors and page errors. `expect(re)` allows console errors matching `re`
 * (e.g. the browser's own "Failed to load resource ... 422" line when a test provokes a 422 on purpose);
 * `problems()` returns the rest.
 */
export async function openPage(context) {
  const page = await context.newPage();
  const errors = [];
  const allowed = [];
  page.on("console", (msg) => { if (msg.type() === "error") errors.push(`console.error: ${msg.text()}`); });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.stack || err.message}`));
  return {
    page,
    expect: (re) => allowed.push(re),
    problems: () => errors.filter((e) => !allowed.some((re) => re.test(e))),
  };
}

/**
 * The lifecycle of a browser test file: one emulator (started with `emulatorArgs`) and one browser;
 * before each test the demo seed and a fresh tab, then `prepare(ctx)`; after it the tab is closed and
 * must have logged no error. Returns `{ emu, api, browser, tab }`, filled in by the hooks.
 */
export function withBrowser(emulatorArgs = [], prepare = undefined) {
  const ctx = { emu: undefined, api: undefined, browser: undefined, tab: undefined };
  before(async () => {
    ctx.emu = await startEmulator(emulatorArgs);
    ctx.api = await new Api(ctx.emu.url).init();
    ctx.browser = await startBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.emu?.stop();
  });
  beforeEach(async () => {
    await ctx.api.reset({ seed: "demo" });
    ctx.tab = await openPage(ctx.browser.context);
    await prepare?.(ctx);
  });
  afterEach(async () => {
    const problems = ctx.tab.problems();
    await ctx.tab.page.close();
    assert.deepEqual(problems, [], "the page logged errors");
  });
  return ctx;
}

export function screenshotPath(name) {
  mkdirSync(SHOTS, { recursive: true });
  return path.join(SHOTS, `${name}.png`);
}

/** Direct HTTP access to the emulator for setup and for checking what the page did (independent of the page). */
export class Api {
  constructor(base) {
    this.base = base;
  }

  async init() {
    const { token } = await this.json("POST", "/_emulator/token", { user: "demo" }, false);
    this.token = token;
    return this;
  }

  async json(method, p, body, auth = true) {
    const headers = {};
    if (auth) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  reset(body = {}) {
    return this.json("POST", "/_emulator/reset", body, false);
  }

  app(id) {
    return this.json("GET", `/apis/apps/v2/instances/${encodeURIComponent(id)}`);
  }

  revisions(id) {
    return this.json("GET", `/apis/apps/v2/instances/${encodeURIComponent(id)}/revisions`);
  }

  v1(app) {
    return `/apis/apps/v1/cluster/${app.cluster_name}/org/${app.org_name}/project/${app.project_name}/instances/${encodeURIComponent(app.id)}`;
  }

  /** Every app of a project, all pages, optionally filtered by states. */
  async list(project, states) {
    const out = [];
    for (let page = 1; ; page++) {
      const q = new URLSearchParams({ cluster: "default", org: "superorg", project, page: String(page), size: "100" });
      for (const s of states || []) q.append("states", s);
      const env = await this.json("GET", `/apis/apps/v2/instances?${q}`);
      out.push(...env.items);
      if (page >= (env.pages ?? 1)) return out;
    }
  }

  async events(app) {
    const out = [];
    for (let page = 1; ; page++) {
      const env = await this.json("GET", `${this.v1(app)}/events?page=${page}`);
      out.push(...env.items);
      if (page >= (env.pages ?? 1)) return out;
    }
  }
}
