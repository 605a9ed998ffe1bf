// Benchmarks of the installed package against one release-built emulator on 127.0.0.1 (run by
// scripts/bench.sh). Each client is set beside a baseline doing the same work:
//   - Node: the package vs plain JS (fetch + JSON.parse + Dates; a bare `ws` socket for logs)
//     and vs the real Python apolo-sdk (tests/bench/bench_sdk.py, from the conformance venv);
//   - no network: the package with a `fetch` option answering canned bodies vs the plain path on the
//     same canned bodies, so the figure is the client's own CPU time per call;
//   - headless Chromium: the package (pkg/web.js) vs plain fetch, in the same page.
// Runs are interleaved (every client once per round, in a rotating order; the no-network clients and
// Node's gets take turns in slices of calls within the round) so that the noise of a shared machine hits
// all of them alike; each figure is the median over the rounds. The no-network rounds come first, before
// the SDK worker and Chromium start. Nothing asserts a time:
// it prints one table and writes test-output/bench.json.
// BENCH_RUNS (default 7) sets the rounds; BENCH_ONLY=cpu runs the no-network part alone (for --cpu-prof).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ApoloClient } from 'apolo-apps';
import { ROOT, startEmulator } from './helpers.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const ONLY = process.env.BENCH_ONLY ?? '';
const APPS = 5000; // 100 pages of 50
const EVENTS = 2000; // 40 pages of 50
const LOG_BYTES = 32 * 1024 * 1024; // per round and client: long enough that a scheduling hiccup is a small part
const GETS = 100; // sequential gets per round, for the p50
const CPU_GETS = 1000;
const CPU_PAGES = 150;
const PY = path.join(ROOT, 'tests/conformance/.venv/bin/python');
// Generated ids are {i:08x}-0000-4000-8000-000000000000 with states in rotation; i = 4 is `errored`,
// so its log stream is the archive alone and then closes.
const APP_ID = '00000004-0000-4000-8000-000000000000';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p50 = median;
const MiB = 1024 * 1024;

const emu = await startEmulator([
  '--seed', 'generated', '--gen-apps', String(APPS), '--gen-events', String(EVENTS),
  '--gen-log-bytes', String(LOG_BYTES),
  '--serve', `/pkg=${path.join(ROOT, 'pkg')}`, '--serve', `/bench=${path.join(ROOT, 'tests/bench')}`,
]);
const headers = { authorization: `Bearer ${emu.token}` };
const V1 = `${emu.url}/apis/apps/v1/cluster/default/org/superorg/project/alpha`;
const V2 = `${emu.url}/apis/apps/v2/instances`;
const LIST_Q = 'cluster=default&org=superorg&project=alpha';
const cleanups = [];

// ---- Node: the package and plain JS over the network ----------------------------------------------
const client = emu.client(); // the generated seed puts every app in default/superorg/alpha

const dates = (o) => {
  o.created_at = new Date(o.created_at);
  o.updated_at = new Date(o.updated_at);
  return o;
};

const node = {
  async pkgList() {
    const t0 = performance.now();
    let n = 0;
    for await (const a of client.apps.list()) if (a.created_at instanceof Date) n++;
    return { ms: performance.now() - t0, count: n };
  },
  async plainList() {
    const t0 = performance.now();
    let n = 0;
    for (let page = 1, pages = 1; page <= pages; page++) {
      const body = await (await fetch(`${V2}?${LIST_Q}&page=${page}`, { headers })).json();
      pages = body.pages ?? 1;
      for (const a of body.items) if (dates(a).created_at instanceof Date) n++;
    }
    return { ms: performance.now() - t0, count: n };
  },
  // `k` sequential gets: their times in ms.
  async pkgGet(k) {
    const times = [];
    for (let i = 0; i < k; i++) {
      const t0 = performance.now();
      await client.apps.get(APP_ID);
      times.push(performance.now() - t0);
    }
    return times;
  },
  async plainGet(k) {
    const times = [];
    for (let i = 0; i < k; i++) {
      const t0 = performance.now();
      dates(await (await fetch(`${V2}/${APP_ID}`, { headers })).json());
      times.push(performance.now() - t0);
    }
    return times;
  },
  async pkgEvents() {
    const t0 = performance.now();
    let n = 0;
    for await (const e of client.apps.getEvents(APP_ID)) if (e.created_at instanceof Date) n++;
    return { ms: performance.now() - t0, count: n };
  },
  async plainEvents() {
    const t0 = performance.now();
    let n = 0;
    const base = `${V1}/instances/${APP_ID}/events`;
    for (let page = 1, pages = 1; page <= pages; page++) {
      const body = await (await fetch(page === 1 ? base : `${base}?page=${page}`, { headers })).json();
      pages = body.pages ?? 1;
      for (const e of body.items) { e.created_at = new Date(e.created_at); n++; }
    }
    return { ms: performance.now() - t0, count: n };
  },
  async pkgLogs(limit = Infinity) {
    const t0 = performance.now();
    let n = 0;
    let ms;
    for await (const chunk of client.apps.logs(APP_ID)) {
      n += chunk.byteLength;
      if (n >= limit) {
        ms = performance.now() - t0; // closing the stream early is not part of reading it
        break;
      }
    }
    return { ms: ms ?? performance.now() - t0, bytes: n };
  },
  async pkgLogLines() {
    const t0 = performance.now();
    let n = 0;
    for await (const line of client.apps.logLines(APP_ID)) n += line.length + 1;
    return { ms: performance.now() - t0, bytes: n };
  },
  wsLogs(limit = Infinity) {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      let n = 0;
      const url = `${emu.url.replace(/^http/, 'ws')}/api/v1/apps/${encodeURIComponent(APP_ID)}/log_ws`;
      // `ws` joins subprotocols without a space, which the platform cannot split: send the header instead.
      const ws = new WebSocket(url, ['logs.apolo.us'], { headers });
      ws.binaryType = 'arraybuffer';
      let ms;
      ws.onmessage = (m) => {
        if (ms !== undefined) return; // what arrives while closing is not counted
        n += m.data.byteLength;
        if (n >= limit && ms === undefined) {
          ms = performance.now() - t0;
          ws.close();
        }
      };
      ws.onerror = (e) => reject(e.error ?? new Error('ws error'));
      ws.onclose = () => resolve({ ms: ms ?? performance.now() - t0, bytes: n });
    });
  },
};

// ---- no network: canned bodies through an injected fetch ------------------------------------------
async function cannedBodies() {
  const get = await (await fetch(`${V2}/${APP_ID}`, { headers })).text();
  const page = await (await fetch(`${V2}?${LIST_Q}&page=1`, { headers })).json();
  if (page.items.length !== 50) throw new Error(`a list page has ${page.items.length} apps, not 50`);
  page.pages = 1; // one page, so each list() is one call
  return { get, list: JSON.stringify(page) };
}

function cpuBench(bodies) {
  const init = { status: 200, headers: { 'content-type': 'application/json' } };
  const canned = async (url) => new Response(url.includes('?') ? bodies.list : bodies.get, init);
  const c = new ApoloClient({
    apiUrl: emu.apiUrl, token: emu.token, cluster: 'default', org: 'superorg', project: 'alpha', fetch: canned,
  });
  const getUrl = `${V2}/${APP_ID}`;
  const listUrl = `${V2}?${LIST_Q}&page=1`;
  return {
    get: sliced(CPU_GETS, 50, {
      pkg: async () => ((await c.apps.get(APP_ID)).created_at instanceof Date ? 1 : 0),
      plain: async () => (dates(await (await canned(getUrl, { headers })).json()).created_at instanceof Date ? 1 : 0),
      parse: async () => (dates(JSON.parse(bodies.get)).created_at instanceof Date ? 1 : 0),
    }),
    list: sliced(CPU_PAGES, 10, {
      pkg: async () => {
        let n = 0;
        for await (const a of c.apps.list()) if (a.created_at instanceof Date) n++;
        return n;
      },
      plain: async () => {
        let n = 0;
        for (const a of (await (await canned(listUrl, { headers })).json()).items) if (dates(a).created_at instanceof Date) n++;
        return n;
      },
      parse: async () => {
        let n = 0;
        for (const a of JSON.parse(bodies.list).items) if (dates(a).created_at instanceof Date) n++;
        return n;
      },
    }),
  };
}

// The clients of a no-network measure take turns in slices of `slice` calls, `calls` each per round, so
// that they sample the same moments: this machine's speed changes within a second (a client run whole,
// ~0.1 s, could land in a fast moment and its baseline in a slow one). Each client's function returns
// its share of the round: time and process CPU time (all threads, so GC helpers count) per call, in µs.
function sliced(calls, slice, fns) {
  const names = Object.keys(fns);
  return shared(names, async () => {
    const us = Object.fromEntries(names.map((w) => [w, 0]));
    const cpuUs = { ...us };
    const n = { ...us };
    await turns(calls, slice, names, async (who) => {
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < slice; i++) n[who] += await fns[who]();
      us[who] += (performance.now() - t0) * 1000;
      const u = process.cpuUsage(u0);
      cpuUs[who] += u.user + u.system;
    });
    return Object.fromEntries(names.map((w) => [w, { us: us[w] / calls, cpuUs: cpuUs[w] / calls, n: n[w] }]));
  });
}

// The same for sequential gets over the network: `fns[who](k)` makes k gets and answers their times;
// each client's share of the round is `{ times }` of all its gets.
function slicedGets(calls, slice, fns) {
  const names = Object.keys(fns);
  return shared(names, async () => {
    const times = Object.fromEntries(names.map((w) => [w, []]));
    await turns(calls, slice, names, async (who) => { times[who].push(...await fns[who](slice)); });
    return Object.fromEntries(names.map((w) => [w, { times: times[w] }]));
  });
}

// The same for log streams: `fns[who](limit)` reads one stream up to `limit` bytes; each client's
// share of the round is its bytes and reading time over `bytes / slice` turns.
function slicedLogs(bytes, slice, fns) {
  const names = Object.keys(fns);
  return shared(names, async () => {
    const out = Object.fromEntries(names.map((w) => [w, { ms: 0, bytes: 0 }]));
    await turns(bytes, slice, names, async (who) => {
      const r = await fns[who](slice);
      out[who].ms += r.ms;
      out[who].bytes += r.bytes;
    });
    return out;
  });
}

// `calls / slice` turns of each client, one after another, in a rotating order so that no client
// always follows another.
async function turns(calls, slice, names, turn) {
  for (let s = 0; s * slice < calls; s++) {
    for (let j = 0; j < names.length; j++) await turn(names[(s + j) % names.length]);
  }
}

// Per-client functions over one round's run: the round's first client to be asked runs it, the
// others take their share of the same run.
function shared(names, runRound) {
  let round = null;
  return Object.fromEntries(names.map((who) => [who, async () => {
    if (!round || round.taken.has(who)) round = { result: runRound(), taken: new Set() };
    round.taken.add(who);
    return (await round.result)[who];
  }]));
}

// ---- the Python SDK: a worker process answering one JSON line per command --------------------------
async function startSdk() {
  if (!existsSync(PY)) throw new Error(`${PY} is missing: run scripts/setup.sh (it makes the conformance venv)`);
  const child = spawn(PY, [path.join(ROOT, 'tests/bench/bench_sdk.py'), emu.apiUrl, emu.token],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the SDK worker exited: ${stderr}`);
    const out = JSON.parse(value);
    if (out.error) throw new Error(`SDK worker: ${out.error}`);
    return out;
  };
  const ready = await next();
  cleanups.push(() => { child.stdin.end(); child.kill('SIGTERM'); });
  const ask = (cmd) => { child.stdin.write(`${cmd}\n`); return next(); };
  return {
    version: ready.sdk,
    list: async () => ask('list alpha'),
    get: async (k) => (await ask(`get ${APP_ID} ${k}`)).times_ms,
    events: async () => ask(`events ${APP_ID}`),
    logs: async () => ask(`logs ${APP_ID}`),
  };
}

// ---- headless Chromium: the package and plain fetch in one page of the emulator's origin -------------
async function startChromium() {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${emu.url}/bench/page.html`);
  const version = browser.version();
  await page.evaluate(async ({ apiUrl, token, appId, gets, listQ }) => {
    const pkg = await import('/pkg/web.js');
    const client = new pkg.ApoloClient({ apiUrl, token, cluster: 'default', org: 'superorg', project: 'alpha' });
    const headers = { authorization: `Bearer ${token}` };
    const v2 = new URL('/apis/apps/v2/instances', apiUrl).href;
    const dates = (o) => { o.created_at = new Date(o.created_at); o.updated_at = new Date(o.updated_at); return o; };
    const gets_ = async (one) => {
      const times = [];
      for (let i = 0; i < gets; i++) {
        const t0 = performance.now();
        await one();
        times.push(performance.now() - t0);
      }
      return { times };
    };
    window.bench = {
      async pkgList() {
        const t0 = performance.now();
        let n = 0;
        for await (const a of client.apps.list()) if (a.created_at instanceof Date) n++;
        return { ms: performance.now() - t0, count: n };
      },
      async plainList() {
        const t0 = performance.now();
        let n = 0;
        for (let p = 1, pages = 1; p <= pages; p++) {
          const body = await (await fetch(`${v2}?${listQ}&page=${p}`, { headers })).json();
          pages = body.pages ?? 1;
          for (const a of body.items) if (dates(a).created_at instanceof Date) n++;
        }
        return { ms: performance.now() - t0, count: n };
      },
      pkgGet: () => gets_(() => client.apps.get(appId)),
      plainGet: () => gets_(async () => dates(await (await fetch(`${v2}/${appId}`, { headers })).json())),
    };
  }, { apiUrl: emu.apiUrl, token: emu.token, appId: APP_ID, gets: GETS, listQ: LIST_Q });
  const call = (name) => async () => {
    const r = await page.evaluate((n) => window.bench[n](), name);
    if (errors.length) throw new Error(`Chromium page errors: ${errors.join('; ')}`);
    return r;
  };
  return {
    version, pkgList: call('pkgList'), plainList: call('plainList'), pkgGet: call('pkgGet'), plainGet: call('plainGet'),
  };
}

// ---- rounds -------------------------------------------------------------------------------------------
const samples = {}; // "measure/client" -> one value per round
const raw = {}; // the same, as the clients answered (times, counts, bytes)
const loads = []; // the machine's 1-minute load average after each round

// RUNS rounds of `measures`, after a round that checks every client does the same work and warms up
// JITs, sockets and the emulator (not counted).
async function rounds(phase, measures) {
  for (const m of measures) {
    const counts = [];
    for (const [, fn] of m.clients) {
      const r = await fn();
      counts.push(r.count ?? r.bytes ?? r.n ?? r.times?.length);
    }
    const want = { list: APPS, getEvents: EVENTS, 'chromium list': APPS }[m.name];
    if (want !== undefined && counts.some((c) => c !== want)) throw new Error(`${m.name}: counts ${counts}, want ${want}`);
    if (m.name === 'logs' && counts.some((c) => c < LOG_BYTES)) throw new Error(`logs: bytes ${counts}, want ${LOG_BYTES} each`);
  }
  for (let round = 0; round < RUNS; round++) {
    for (const m of measures) {
      const k = round % m.clients.length;
      const order = [...m.clients.slice(k), ...m.clients.slice(0, k)];
      for (const [who, fn] of order) {
        const r = await fn();
        (samples[`${m.name}/${who}`] ??= []).push(m.value(r));
        (raw[`${m.name}/${who}`] ??= []).push(r.times ? { p50: p50(r.times), max: Math.max(...r.times) } : r);
      }
    }
    loads.push(os.loadavg()[0]);
    process.stderr.write(`[bench] ${phase}: round ${round + 1}/${RUNS} done (load average ${loads.at(-1).toFixed(1)})\n`);
  }
}

// A measure: its clients, each answering a result that `value` turns into the round's figure.
function measure(name, unit, value, clients) {
  return { name, unit, value, clients: Object.entries(clients) };
}
const perS = (key) => (r) => r[key] / (r.ms / 1000);
const mibPerS = (r) => r.bytes / MiB / (r.ms / 1000);
const p50Of = (r) => p50(r.times);

try {
  const bodies = await cannedBodies();
  const cpu = cpuBench(bodies);
  // The no-network rounds run first, on their own: the client's own CPU time, measured before the
  // SDK worker and Chromium start and apart from the network rounds' sockets and garbage.
  await rounds('no network', [
    measure('cpu get', 'µs/call', (r) => r.us, cpu.get),
    measure('cpu list page', 'µs/page', (r) => r.us, cpu.list),
  ]);
  let sdk;
  let chromium;
  if (ONLY !== 'cpu') {
    sdk = await startSdk();
    chromium = await startChromium();
    await rounds('network', [
      measure('get p50', 'ms', p50Of, slicedGets(GETS, 2, { pkg: node.pkgGet, plain: node.plainGet, sdk: sdk.get })),
      measure('list', 'apps/s', perS('count'), { pkg: node.pkgList, plain: node.plainList, sdk: sdk.list }),
      measure('getEvents', 'events/s', perS('count'), { pkg: node.pkgEvents, plain: node.plainEvents, sdk: sdk.events }),
      // The package and a bare socket take turns of 8 MiB, eight each per round (a whole stream each
      // per round let one meet more slow moments of the machine than the other; with four turns the
      // per-round ratios still ranged 0.82-1.11); logLines and the SDK read whole streams.
      measure('logs', 'MiB/s', mibPerS, {
        ...slicedLogs(2 * LOG_BYTES, LOG_BYTES / 4, { pkg: node.pkgLogs, ws: node.wsLogs }),
        lines: () => node.pkgLogLines(), sdk: sdk.logs,
      }),
      measure('chromium get p50', 'ms', p50Of, { pkg: chromium.pkgGet, plain: chromium.plainGet }),
      measure('chromium list', 'apps/s', perS('count'), { pkg: chromium.pkgList, plain: chromium.plainList }),
    ]);
  }

  const med = (key) => median(samples[key]);
  const spread = (key) => [Math.min(...samples[key]), Math.max(...samples[key])];
  // The table: apolo-apps beside a baseline; `ratio` is apolo-apps / baseline of the figure shown.
  // `higher` says which way is better; a target is met when the ratio is on its good side.
  const rows = [];
  const row = (what, key, baseKey, baseName, unit, higher, target) => {
    const a = med(key);
    const b = med(baseKey);
    // The ratio within each round, where the clients ran side by side, and its median: the machine's
    // speed changes from round to round, so the two medians above may come from different rounds.
    const perRound = samples[key].map((x, i) => x / samples[baseKey][i]);
    const ratio = median(perRound);
    const met = target === undefined ? undefined : (higher ? ratio >= target : ratio <= target);
    rows.push({ what, unit, apolo_apps: a, baseline: b, baseline_name: baseName, ratio, higher_is_better: higher,
      target, met, ratio_range: [Math.min(...perRound), Math.max(...perRound)],
      apolo_apps_range: spread(key), baseline_range: spread(baseKey) });
  };
  row('CPU, no network: get', 'cpu get/pkg', 'cpu get/plain', 'plain path (same canned fetch + JSON.parse + Dates)', 'µs/call', false, 2);
  row('CPU, no network: list page of 50', 'cpu list page/pkg', 'cpu list page/plain', 'plain path (same canned fetch + JSON.parse + Dates)', 'µs/page', false, 1.5);
  row('CPU, no network: get', 'cpu get/pkg', 'cpu get/parse', 'JSON.parse + Dates of the text alone', 'µs/call', false);
  row('CPU, no network: list page of 50', 'cpu list page/pkg', 'cpu list page/parse', 'JSON.parse + Dates of the text alone', 'µs/page', false);
  if (ONLY !== 'cpu') {
    row('Node: get p50', 'get p50/pkg', 'get p50/sdk', `Python apolo-sdk ${sdk.version}`, 'ms', false, 1);
    row(`Node: list, ${APPS} apps`, 'list/pkg', 'list/sdk', `Python apolo-sdk ${sdk.version}`, 'apps/s', true, 1);
    row('Node: logs, Uint8Array chunks', 'logs/pkg', 'logs/ws', 'bare `ws` socket', 'MiB/s', true, 0.95);
    row('Chromium: get p50', 'chromium get p50/pkg', 'chromium get p50/plain', 'plain fetch + JSON.parse + Dates', 'ms', false, 1.2);
    row(`Chromium: list, ${APPS} apps`, 'chromium list/pkg', 'chromium list/plain', 'plain fetch + JSON.parse + Dates', 'apps/s', true, 1 / 1.2);
    row('Node: get p50', 'get p50/pkg', 'get p50/plain', 'plain fetch + JSON.parse + Dates', 'ms', false);
    row(`Node: list, ${APPS} apps`, 'list/pkg', 'list/plain', 'plain fetch + JSON.parse + Dates', 'apps/s', true);
    row(`Node: getEvents, ${EVENTS} events`, 'getEvents/pkg', 'getEvents/sdk', `Python apolo-sdk ${sdk.version}`, 'events/s', true);
    row(`Node: getEvents, ${EVENTS} events`, 'getEvents/pkg', 'getEvents/plain', 'plain fetch + JSON.parse + Dates', 'events/s', true);
    row('Node: logLines (decoded lines)', 'logs/lines', 'logs/ws', 'bare `ws` socket', 'MiB/s', true);
    row('Python apolo-sdk: logs', 'logs/sdk', 'logs/ws', 'bare `ws` socket (Node)', 'MiB/s', true);
  }

  const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const targetText = (r) => (r.target === undefined ? '' : r.higher_is_better
    ? `≥ ${r.target === 1 / 1.2 ? '0.83 (time ≤ 1.2×)' : r.target}` : `≤ ${r.target}`);
  const lines = [
    '| measurement | apolo-apps | baseline | ratio | ratio per round | target | |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${fmt(r.apolo_apps)} ${r.unit} | ${fmt(r.baseline)} ${r.unit} (${r.baseline_name}) | ` +
      `×${r.ratio.toFixed(2)} | ${r.ratio_range.map((x) => x.toFixed(2)).join('–')} | ${targetText(r)} | ` +
      `${r.met === undefined ? '' : r.met ? 'met' : '**missed**'} |`),
  ];
  console.log(lines.join('\n'));
  console.log(`(medians of ${RUNS} interleaved rounds; ratio = apolo-apps / baseline of the figure shown within ` +
    'each round: its median, and its lowest–highest value; ' +
    `Node ${process.version}${chromium ? `, Chromium ${chromium.version}` : ''}; ${os.cpus().length} CPUs, ` +
    `load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the rounds)`);

  const out = path.join(ROOT, 'test-output');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'bench.json'), JSON.stringify({
    date: new Date().toISOString(), node: process.version, chromium: chromium?.version, sdk: sdk?.version,
    runs: RUNS, cpus: os.cpus().length, load_averages: loads, sizes: { apps: APPS, events: EVENTS, logBytes: LOG_BYTES, gets: GETS, cpuGets: CPU_GETS, cpuPages: CPU_PAGES },
    rows, samples, raw, table: lines.join('\n'),
  }, null, 2) + '\n');
  console.log('written to test-output/bench.json');
} finally {
  for (const f of cleanups.reverse()) {
    try { await f(); } catch { /* already gone */ }
  }
  await emu.stop();
}
