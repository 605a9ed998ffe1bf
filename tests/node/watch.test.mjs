// client.apps.watch(): the current snapshot at once, then one per change of state (or updated_at), polled
// through get() (so with the client's retry policy); it ends after `uninstalled`, or on a 404 once the app
// was seen going away; `break` and `signal` stop it.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { IllegalArgumentError, ResourceNotFound, ServerNotAvailable } from 'apolo-apps';
import { sleep, startEmulator, withTimeout } from './helpers.mjs';

let emu;
let client;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(async () => {
  await emu.reset({ seed: 'empty' });
  await emu.control('PUT', '/clock', { speed: 0 });
  client = emu.client();
});

const polls = async (id) => (await emu.requests())
  .filter((r) => r.method === 'GET' && r.path === `/apis/apps/v2/instances/${id}`);

test('queued → progressing → healthy, each state once and in order (states forced between polls)', async () => {
  const { id } = await emu.addApp({ state: 'queued' });
  const seen = [];
  // The generator is suspended while the loop body runs, so each forced state is what the next poll sees.
  for await (const app of client.apps.watch(id, { intervalMs: 10 })) {
    seen.push(app.state);
    assert.equal(app.id, id);
    assert.ok(app.updated_at instanceof Date);
    if (app.state === 'queued') await emu.setState(id, 'progressing');
    else if (app.state === 'progressing') await emu.setState(id, 'healthy');
    else break;
  }
  assert.deepEqual(seen, ['queued', 'progressing', 'healthy']);
});

test('a real install on a running clock: queued, progressing, healthy in order, no repeats', async () => {
  await emu.control('PUT', '/clock', { speed: 4 }); // queued 0.25 s, progressing 0.75 s
  const app = await client.apps.install({ template_name: 'shell', template_version: 'latest', input: {} });
  const seen = [];
  for await (const snap of client.apps.watch(app.id, { intervalMs: 20 })) {
    seen.push(snap.state);
    if (snap.state === 'healthy') break;
  }
  assert.equal(seen.at(-1), 'healthy');
  assert.deepEqual(seen.filter((s, i) => s !== seen[i - 1]), seen, 'a snapshot only when something changed');
  const order = ['queued', 'progressing', 'healthy'];
  assert.deepEqual([...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)), seen, `in order: ${seen}`);
  assert.ok((await polls(app.id)).length > seen.length, 'unchanged polls yield nothing');
});

test('the first snapshot comes at once, whatever the interval', async () => {
  const { id } = await emu.addApp({ state: 'healthy' });
  const it = client.apps.watch(id, { intervalMs: 60_000 });
  const first = await withTimeout(it.next(), 5000, 'first snapshot');
  assert.equal(first.value.state, 'healthy');
  await it.return();
});

test('a change of updated_at alone (configure of a healthy app) is a new snapshot', async () => {
  const { id } = await emu.addApp({ state: 'healthy' });
  const it = client.apps.watch(id, { intervalMs: 10 });
  const first = (await it.next()).value;
  await emu.setState(id, 'healthy'); // same state, a new event and updated_at
  const second = (await withTimeout(it.next(), 5000, 'second snapshot')).value;
  assert.equal(second.state, 'healthy');
  assert.ok(second.updated_at > first.updated_at);
  await it.return();
});

test('break stops polling', async () => {
  const { id } = await emu.addApp({ state: 'progressing' });
  for await (const app of client.apps.watch(id, { intervalMs: 20 })) {
    assert.equal(app.state, 'progressing');
    break;
  }
  const after = (await polls(id)).length;
  assert.equal(after, 1);
  // Proving that no timer is left polling takes a wait: many intervals, then the log must be unchanged.
  await sleep(300);
  assert.equal((await polls(id)).length, after);
});

test('abort during the wait between polls rejects at once with signal.reason', async () => {
  const { id } = await emu.addApp({ state: 'progressing' });
  const ctl = new AbortController();
  const it = client.apps.watch(id, { intervalMs: 60_000, signal: ctl.signal });
  await it.next();
  const pending = it.next(); // waiting for a poll a minute away
  const reason = new Error('stop watching');
  ctl.abort(reason);
  await assert.rejects(withTimeout(pending, 5000, 'aborted watch'), (e) => e === reason);
  assert.equal((await polls(id)).length, 1);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('an already aborted signal sends nothing', async () => {
  const { id } = await emu.addApp({ state: 'healthy' });
  const reason = new Error('already');
  await assert.rejects(client.apps.watch(id, { signal: AbortSignal.abort(reason) }).next(), (e) => e === reason);
  assert.equal((await polls(id)).length, 0);
});

test('an app uninstalled mid-watch: uninstalling, then uninstalled, then the iterator ends', async () => {
  const { id } = await emu.addApp({ state: 'healthy' });
  const seen = [];
  for await (const app of client.apps.watch(id, { intervalMs: 10 })) {
    seen.push(app.state);
    if (app.state === 'healthy') await client.apps.uninstall(id); // instant clock: uninstalled on the next request
  }
  assert.deepEqual(seen.slice(0, 1), ['healthy']);
  assert.equal(seen.at(-1), 'uninstalled');
  assert.ok(seen.every((s) => ['healthy', 'uninstalling', 'uninstalled'].includes(s)), `${seen}`);
});

test('an app that disappears (404) after it was seen uninstalling ends the watch', async () => {
  const { id } = await emu.addApp({ state: 'uninstalling' });
  const seen = [];
  for await (const app of client.apps.watch(id, { intervalMs: 10 })) {
    seen.push(app.state);
    await emu.reset({ seed: 'empty' }); // the record is gone: GET answers 404
  }
  assert.deepEqual(seen, ['uninstalling']);
});

test('a 404 for an app never seen going away rejects with ResourceNotFound', async () => {
  await assert.rejects(client.apps.watch('no-such-app').next(), ResourceNotFound);
  const { id } = await emu.addApp({ state: 'healthy' });
  const it = client.apps.watch(id, { intervalMs: 10 });
  await it.next();
  await emu.reset({ seed: 'empty' });
  await assert.rejects(it.next(), ResourceNotFound);
});

test('transient 503s while watching are retried by the client policy; the watch goes on', async () => {
  const { id } = await emu.addApp({ state: 'progressing' });
  const it = client.apps.watch(id, { intervalMs: 10 });
  assert.equal((await it.next()).value.state, 'progressing');
  await emu.fault({ method: 'GET', path: `/apis/apps/v2/instances/${id}`, status: 503, body: { detail: 'busy' }, times: 2 });
  await emu.setState(id, 'healthy');
  const next = await withTimeout(it.next(), 20_000, 'snapshot after 503s');
  assert.equal(next.value.state, 'healthy');
  const statuses = (await polls(id)).length;
  assert.ok(statuses >= 4, `first poll, two 503s, the successful retry: ${statuses} polls`);
  await it.return();
});

test('503s beyond the retry budget reject with ServerNotAvailable', async () => {
  const { id } = await emu.addApp({ state: 'progressing' });
  const it = client.apps.watch(id, { intervalMs: 10 });
  await it.next();
  await emu.fault({ method: 'GET', path: `/apis/apps/v2/instances/${id}`, status: 503, body: { detail: 'busy' } });
  await assert.rejects(withTimeout(it.next(), 20_000, 'watch with a dead server'), ServerNotAvailable);
  assert.equal((await polls(id)).length, 1 + 3, 'the first poll, then one attempt and the default 2 retries');
  await emu.clearFaults();
});

test('call options reach each poll: maxRetries 0 makes one 503 final', async () => {
  const { id } = await emu.addApp({ state: 'progressing' });
  const it = client.apps.watch(id, { intervalMs: 10, maxRetries: 0 });
  await it.next();
  await emu.fault({ method: 'GET', path: `/apis/apps/v2/instances/${id}`, status: 503, body: { detail: 'busy' }, times: 1 });
  await assert.rejects(it.next(), ServerNotAvailable);
  assert.equal((await polls(id)).length, 2);
});

test('invalid arguments reject before anything is sent', async () => {
  await assert.rejects(client.apps.watch('').next(), IllegalArgumentError);
  await assert.rejects(client.apps.watch('x', { intervalMs: -1 }).next(), IllegalArgumentError);
  await assert.rejects(client.apps.watch('x', { intervalMs: Number.NaN }).next(), IllegalArgumentError);
  await assert.rejects(client.apps.watch('x', 'nope').next(), IllegalArgumentError);
  assert.equal((await emu.requests()).length, 0);
});
