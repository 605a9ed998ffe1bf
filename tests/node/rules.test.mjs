// Rules that once lived in both the JS layer and Rust and drifted apart; now the core alone decides,
// and these pin its answers through the package.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ApoloClient, ConnectionError, IllegalArgumentError } from 'apolo-apps';
import { DEMO, startEmulator } from './helpers.mjs';

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(() => emu.reset());

test('revision numbers start at 1: 0 and -1 are refused before anything is sent', async () => {
  const c = emu.client();
  for (const n of [0, -1, 1.5]) {
    await assert.rejects(c.apps.rollback(DEMO.sd, n), IllegalArgumentError, `rollback ${n}`);
    await assert.rejects(c.apps.getInput(DEMO.sd, { revision: n }), IllegalArgumentError, `getInput ${n}`);
  }
  assert.deepEqual(await emu.requests(), []);
});

test('getUpgrades takes any iterable of ids (a Set, a generator), but not a string', async () => {
  const c = emu.client();
  const ids = [DEMO.sd, DEMO.vscode];
  const fromArray = await c.apps.getUpgrades(ids);
  assert.deepEqual(await c.apps.getUpgrades(new Set(ids)), fromArray);
  assert.deepEqual(await c.apps.getUpgrades((function* () { yield* ids; })()), fromArray);
  await emu.clearRequests();
  await assert.rejects(c.apps.getUpgrades(DEMO.sd), IllegalArgumentError);
  await assert.rejects(c.apps.getUpgrades([DEMO.sd, 3]), IllegalArgumentError);
  assert.deepEqual(await emu.requests(), []);
});

test('an answer with status 0 (an opaque response) counts as no answer: ConnectionError, retried like one', async () => {
  let calls = 0;
  // What a browser's fetch gives for a no-cors answer: status 0, no headers, no body.
  const fetch = async () => { calls += 1; return { status: 0, headers: new Headers(), text: async () => '' }; };
  const c = emu.client({ fetch, maxRetries: 1 });
  await assert.rejects(c.apps.get(DEMO.sd), (e) => e instanceof ConnectionError && e.status === undefined);
  assert.equal(calls, 2);
  // An install is not sent again: the server may have acted.
  calls = 0;
  await assert.rejects(c.apps.install({ template_name: 'shell', template_version: 'latest', input: {} }), ConnectionError);
  assert.equal(calls, 1);
});

test('a token that cannot travel in a header is refused up front', () => {
  for (const token of ['a b', 'tok\n', 'tökén', '']) {
    assert.throws(() => new ApoloClient({ apiUrl: emu.apiUrl, token }), IllegalArgumentError, JSON.stringify(token));
  }
});
