import { createRequire } from 'node:module';
import { startEmulator } from './helpers.mjs';
const require = createRequire(import.meta.url);
const dirs = process.argv.slice(2);
const emu = await startEmulator(['--seed', 'generated', '--gen-apps', '200']);
const APP = (await (await fetch(`${emu.url}/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1`, { headers: { authorization: `Bearer ${emu.token}` } })).json()).items[0].id;
const clients = dirs.map((d) => new (require(d + '/node.cjs').ApoloClient)({ apiUrl: emu.apiUrl, token: emu.token, cluster: 'default', org: 'superorg', project: 'alpha' }));
const t = dirs.map(() => []);
for (let i = 0; i < 300; i++) for (const c of clients) await c.apps.get(APP);
for (let r = 0; r < 80; r++) for (let k = 0; k < clients.length; k++) { const j = r % 2 ? clients.length - 1 - k : k; for (let i = 0; i < 20; i++) { const t0 = performance.now(); await clients[j].apps.get(APP); t[j].push(performance.now() - t0); } }
const p = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(dirs.map((d, i) => `${d.split('/').pop()} p50 ${(p(t[i]) * 1000).toFixed(0)} µs`).join('  '));
await emu.stop();
