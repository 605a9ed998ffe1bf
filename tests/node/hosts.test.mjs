// The Node transport reads each origin once (node-transport.cjs): the request options must be what
// node:http makes of the URL itself, here for an IPv6 literal (its brackets) and a URL with user info.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { ApoloClient } from 'apolo-apps';
import { startEmulator } from './helpers.mjs';

// A machine without an IPv6 loopback skips these (reported as skipped, not passed).
const v6 = await new Promise((resolve) => {
  const s = net.createServer();
  s.once('error', () => resolve(false));
  s.listen(0, '::1', () => s.close(() => resolve(true)));
});
const skip = !v6 && 'no IPv6 loopback (::1) on this machine';

let emu;
let port;
before(async () => {
  if (!v6) return;
  emu = await startEmulator(['--host', '::1', '--seed', 'demo']);
  port = new URL(emu.url).port;
});
after(() => emu?.stop());

const client = (apiUrl) => new ApoloClient({ apiUrl, token: emu.token, cluster: 'default', org: 'superorg', project: 'alpha' });

test('an IPv6 literal API URL reaches the server (brackets are not part of the host name)', { skip }, async () => {
  const c = client(`http://[::1]:${port}/api/v1`);
  const ids = [];
  for await (const app of c.apps.list()) ids.push(app.id);
  assert.ok(ids.length > 0);
  const again = await c.apps.get(ids[0]);
  assert.equal(again.id, ids[0]);
});

test('user info in the API URL does not replace the bearer token', { skip }, async () => {
  const c = client(`http://someone:p%40ss@[::1]:${port}/api/v1`);
  const first = await c.apps.list().next();
  assert.equal(first.done, false);
});
