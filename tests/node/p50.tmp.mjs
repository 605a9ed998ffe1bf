import http from 'node:http';
import { startEmulator } from './helpers.mjs';
const emu = await startEmulator(['--seed', 'generated', '--gen-apps', '200']);
const c = emu.client();
const APP = (await (await fetch(`${emu.url}/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1`, { headers: { authorization: `Bearer ${emu.token}` } })).json()).items[0].id;
const agent = new http.Agent({ keepAlive: true, ...(process.env.AT ? { timeout: 4000 } : {}) });
const u = new URL(`${emu.url}/apis/apps/v2/instances/${APP}`);
const raw = () => new Promise((resolve, reject) => {
  const r = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, agent, headers: { Authorization: `Bearer ${emu.token}` } }, (res) => {
    const chunks = []; res.on('data', (d) => chunks.push(d)); res.on('end', () => { const v = JSON.parse(Buffer.concat(chunks).toString()); v.created_at = new Date(v.created_at); v.updated_at = new Date(v.updated_at); resolve(v); });
  });
  r.on('error', reject); r.end();
});
const fns = { pkg: () => c.apps.get(APP), raw };
const t = { pkg: [], raw: [] };
for (let i = 0; i < 200; i++) { await fns.pkg(); await fns.raw(); }
for (let r = 0; r < 40; r++) for (const [k, f] of (r % 2 ? Object.entries(fns).reverse() : Object.entries(fns))) for (let i = 0; i < 25; i++) { const t0 = performance.now(); await f(); t[k].push(performance.now() - t0); }
const p = (a, q) => [...a].sort((x, y) => x - y)[Math.floor(a.length * q)];
for (const k of Object.keys(t)) console.log(k, 'p50', p(t[k], 0.5).toFixed(3), 'p10', p(t[k], 0.1).toFixed(3), 'p90', p(t[k], 0.9).toFixed(3));
await emu.stop();
