import http from 'node:http';
import { startEmulator } from './helpers.mjs';
const emu = await startEmulator(['--seed', 'generated', '--gen-apps', '200']);
const c = emu.client();
const APP = (await (await fetch(`${emu.url}/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1`, { headers: { authorization: `Bearer ${emu.token}` } })).json()).items[0].id;
const agent = new http.Agent({ keepAlive: true });
const u = new URL(`${emu.url}/apis/apps/v2/instances/${APP}`);
const raw = () => new Promise((resolve, reject) => {
  const r = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, agent, headers: { Authorization: `Bearer ${emu.token}` } }, (res) => {
    const chunks = []; res.on('data', (d) => chunks.push(d)); res.on('end', () => { const v = JSON.parse(Buffer.concat(chunks).toString()); v.created_at = new Date(v.created_at); v.updated_at = new Date(v.updated_at); resolve(v); });
  });
  r.on('error', reject); r.end();
});
const f = process.argv[2] === 'pkg' ? () => c.apps.get(APP) : raw;
for (let i = 0; i < 300; i++) await f();
const t0 = performance.now();
for (let i = 0; i < 5000; i++) await f();
console.log(process.argv[2], ((performance.now() - t0) / 5000 * 1000).toFixed(1), 'µs per get');
await emu.stop();
