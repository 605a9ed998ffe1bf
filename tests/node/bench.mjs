// Benchmarks of the installed package against the emulator on 127.0.0.1 (run by scripts/bench.sh).
// Each measurement is set beside a baseline that does the same wire work in plain JavaScript
// (fetch + JSON.parse, or a bare `ws` socket), so the numbers say what the client itself costs.
// Nothing here asserts a time: it prints a table and writes test-output/bench.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { ROOT, startEmulator } from './helpers.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const APPS = 5000; // 100 pages of 50
const EVENTS = 10000; // 200 pages of 50
const LOG_BYTES = 32 * 1024 * 1024;

const emu = await startEmulator([
  '--seed', 'generated', '--gen-apps', String(APPS), '--gen-events', String(EVENTS),
  '--gen-log-bytes', String(LOG_BYTES),
]);
const client = emu.client(); // the generated seed puts every app in default/superorg/alpha
const headers = { authorization: `Bearer ${emu.token}` };
const V1 = `${emu.url}/apis/apps/v1/cluster/default/org/superorg/project/alpha`;
// Generated ids are {i:08x}-0000-4000-8000-000000000000 with states in rotation; i = 4 is `errored`,
// so its log stream is the archive alone and then closes.
const APP_ID = '00000004-0000-4000-8000-000000000000';

async function median(fn) {
  const times = [];
  let result;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], result };
}

const results = [];
function report(name, unit, count, client, baseline) {
  const row = {
    name, unit, count,
    client_ms: +client.toFixed(1),
    baseline_ms: +baseline.toFixed(1),
    client_per_s: Math.round(count / (client / 1000)),
    baseline_per_s: Math.round(count / (baseline / 1000)),
    overhead: +(client / baseline).toFixed(2),
  };
  results.push(row);
  console.log(`${name.padEnd(34)} ${String(row.client_per_s).padStart(10)} ${unit}/s` +
    `   baseline ${String(row.baseline_per_s).padStart(10)} ${unit}/s   x${row.overhead}`);
}

try {
  // Warm up the wasm module, the emulator and the sockets once.
  const app = await client.apps.get(APP_ID);
  if (app.state !== 'errored') throw new Error(`expected ${APP_ID} to be errored, it is ${app.state}`);

  // 1. list: every page of the project's apps, decoded into objects with Dates.
  const list = await median(async () => {
    let n = 0;
    for await (const a of client.apps.list()) if (a.created_at instanceof Date) n++;
    return n;
  });
  const listBase = await median(async () => {
    let n = 0;
    for (let page = 1, pages = 1; page <= pages; page++) {
      const q = `cluster=default&org=superorg&project=alpha&page=${page}`;
      const body = await (await fetch(`${emu.url}/apis/apps/v2/instances?${q}`, { headers })).json();
      pages = body.pages ?? 1;
      for (const a of body.items) { a.created_at = new Date(a.created_at); a.updated_at = new Date(a.updated_at); n++; }
    }
    return n;
  });
  if (list.result !== listBase.result) throw new Error(`list: ${list.result} apps vs ${listBase.result}`);
  report('list (all pages)', 'apps', list.result, list.ms, listBase.ms);

  // 2. getEvents: every page of one app's events.
  const ev = await median(async () => {
    let n = 0;
    for await (const e of client.apps.getEvents(APP_ID)) if (e.created_at instanceof Date) n++;
    return n;
  });
  const evBase = await median(async () => {
    let n = 0;
    const base = `${V1}/instances/${APP_ID}/events`;
    for (let page = 1, pages = 1; page <= pages; page++) {
      const body = await (await fetch(page === 1 ? base : `${base}?page=${page}`, { headers })).json();
      pages = body.pages ?? 1;
      for (const e of body.items) { e.created_at = new Date(e.created_at); n++; }
    }
    return n;
  });
  if (ev.result !== evBase.result) throw new Error(`events: ${ev.result} vs ${evBase.result}`);
  report('getEvents (all pages)', 'events', ev.result, ev.ms, evBase.ms);

  // 3. logs: the archive of a stopped app, as raw chunks and as decoded lines.
  const logId = APP_ID;
  const logs = await median(async () => {
    let n = 0;
    for await (const chunk of client.apps.logs(logId)) n += chunk.byteLength;
    return n;
  });
  const lines = await median(async () => {
    let n = 0;
    for await (const line of client.apps.logLines(logId)) n += line.length + 1;
    return n;
  });
  const logsBase = await median(() => new Promise((resolve, reject) => {
    let n = 0;
    const url = `${emu.url.replace(/^http/, 'ws')}/api/v1/apps/${encodeURIComponent(logId)}/log_ws`;
    // `ws` joins subprotocols without a space, which the platform cannot split: send the header instead.
    const ws = new WebSocket(url, ['logs.apolo.us'], { headers });
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (m) => { n += m.data.byteLength; };
    ws.onerror = (e) => reject(e.error ?? new Error('ws error'));
    ws.onclose = () => resolve(n);
  }));
  if (logs.result !== logsBase.result) throw new Error(`logs: ${logs.result} bytes vs ${logsBase.result}`);
  const mb = logs.result / 1024 / 1024;
  report('logs (Uint8Array chunks)', 'MiB', mb, logs.ms, logsBase.ms);
  report('logLines (decoded lines)', 'MiB', mb, lines.ms, logsBase.ms);

  const out = path.join(ROOT, 'test-output');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'bench.json'), JSON.stringify({
    date: new Date().toISOString(), node: process.version, runs: RUNS, results,
  }, null, 2) + '\n');
  console.log(`(median of ${RUNS} runs; written to test-output/bench.json)`);
} finally {
  await emu.stop();
}
