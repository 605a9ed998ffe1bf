// The Node transport over https, as production uses it: a TLS reverse proxy with a certificate made for
// this test in front of the emulator, trusted by a child Node process through NODE_EXTRA_CA_CERTS
// (certificate checks stay on).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO, startEmulator } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let emu;
let proxy;
let dir;
let port;

before(async () => {
  emu = await startEmulator();
  dir = mkdtempSync(path.join(os.tmpdir(), 'apolo-https-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
  { stdio: 'ignore' });
  const target = new URL(emu.url);
  proxy = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  port = proxy.address().port;
});

after(async () => {
  proxy?.close();
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runChild(script, env) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: HERE, env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

const SCRIPT = `
  import { ApoloClient } from 'apolo-apps';
  const client = new ApoloClient({ apiUrl: process.env.API, token: process.env.TOKEN, cluster: 'default', org: 'superorg', project: 'alpha' });
  const app = await client.apps.get(process.env.APP);
  let n = 0;
  for await (const _ of client.apps.list()) n += 1;
  console.log(JSON.stringify({ id: app.id, n }));
`;

test('calls go through node:https with a trusted certificate', async () => {
  const env = { API: `https://127.0.0.1:${port}/api/v1`, TOKEN: emu.token, APP: DEMO.sd, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') };
  const r = await runChild(SCRIPT, env);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.id, DEMO.sd);
  assert.ok(out.n > 0);
});

test('an untrusted certificate is a ConnectionError, not a silent success', async () => {
  const env = { API: `https://127.0.0.1:${port}/api/v1`, TOKEN: emu.token, APP: DEMO.sd, NODE_EXTRA_CA_CERTS: '' };
  const r = await runChild(SCRIPT, env);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /ConnectionError/);
  assert.ok(!r.stderr.includes(emu.token), 'the token is in the error output');
});
