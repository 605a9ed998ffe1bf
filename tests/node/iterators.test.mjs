// The iterators are real async iterators: a page is requested only when the consumer reaches it,
// `break` stops further requests, aborting `signal` rejects the pending next(). "Nothing (more) was sent"
// is read from the emulator's request log up to a sentinel request, never after a pause.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { IllegalArgumentError } from 'apolo-apps';
import { V1, collect, startEmulator, until, withTimeout } from './helpers.mjs';

let emu;
let client;
before(async () => { emu = await startEmulator(); });
after(() => emu?.stop());
beforeEach(async () => {
  await emu.reset({ seed: 'generated', apps: 160 });
  client = emu.client();
});

/** The pages of the apps list the client has asked for so far. */
const pagesRequested = async () => (await emu.requestsBeforeSentinel(client))
  .filter((r) => r.path === '/apis/apps/v2/instances')
  .map((r) => new URLSearchParams(r.query).get('page'));

test('list fetches a page only when the consumer reaches it', async () => {
  const it = client.apps.list();
  assert.deepEqual(await pagesRequested(), [], 'nothing before the first pull');
  await it.next();
  assert.deepEqual(await pagesRequested(), ['1']);
  for (let i = 1; i < 50; i++) await it.next();
  assert.deepEqual(await pagesRequested(), ['1'], 'no prefetch while page 1 lasts');
  const item51 = await it.next();
  assert.equal(item51.done, false);
  assert.deepEqual(await pagesRequested(), ['1', '2']);
  await it.return();
});

test('break from list: no further page requests', async () => {
  let n = 0;
  for await (const app of client.apps.list()) {
    assert.equal(typeof app.id, 'string');
    if (++n === 50) break; // the last item of page 1
  }
  assert.deepEqual(await pagesRequested(), ['1']);
});

test('break from getEvents: no further page requests', async () => {
  const { id } = await emu.addApp({ project_name: 'alpha', events: 150 });
  await emu.clearRequests();
  for await (const ev of client.apps.getEvents(id)) {
    assert.ok(ev.created_at instanceof Date);
    break;
  }
  assert.deepEqual(await emu.wireBeforeSentinel(client), [`GET ${V1}/instances/${id}/events`]);
});

test('return() before the first pull sends nothing', async () => {
  const it = client.apps.list();
  assert.deepEqual(await it.return(), { value: undefined, done: true });
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  assert.deepEqual(await pagesRequested(), []);
});

test('abort while a page request is pending rejects that next(), and the iterator is done', async () => {
  const ctl = new AbortController();
  const it = client.apps.list({ signal: ctl.signal });
  for (let i = 0; i < 50; i++) await it.next();
  // The emulator holds page 2 far longer than the test waits, so only the abort can settle that next().
  await emu.fault({ path: '/apis/apps/v2/instances', delay_ms: 120_000, times: 1 });
  const pending = it.next();
  // Abort once page 2's request has reached the emulator (it is logged on arrival, before the delay).
  await until(async () => (await emu.requests()).some((r) => new URLSearchParams(r.query).get('page') === '2'), 'page 2 requested');
  const reason = new Error('enough');
  ctl.abort(reason);
  await assert.rejects(withTimeout(pending, 10_000, 'the aborted next()'), (e) => e === reason);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('abort between pulls rejects the next pull without a request', async () => {
  const ctl = new AbortController();
  const it = client.apps.list({ signal: ctl.signal });
  await it.next();
  ctl.abort(new Error('stop'));
  await assert.rejects(it.next(), (e) => e.message === 'stop');
  assert.deepEqual(await pagesRequested(), ['1']);
});

test('getValues / listTemplates / listTemplateVersions are lazy async iterators', async () => {
  const its = [client.apps.getValues(), client.apps.listTemplates(), client.apps.listTemplateVersions('shell')];
  for (const it of its) {
    assert.equal(typeof it[Symbol.asyncIterator], 'function');
    assert.equal(it[Symbol.asyncIterator](), it);
  }
  assert.deepEqual(await emu.wireBeforeSentinel(client), []);
  const [first] = await Promise.all(its.map((it) => it.next()));
  assert.equal(first.done, false);
  assert.equal((await emu.wireBeforeSentinel(client)).length, 3);
  await Promise.all(its.map((it) => it.return()));
});

test('validation errors reject the first next(), not the call', async () => {
  const it = client.apps.getEvents('');
  await assert.rejects(it.next(), IllegalArgumentError);
});

test('two iterations of one listing are independent', async () => {
  const a = client.apps.list();
  const b = client.apps.list();
  const [x, y] = await Promise.all([collect(a), collect(b)]);
  assert.equal(x.length, 160);
  assert.deepEqual(x.map((app) => app.id), y.map((app) => app.id));
});
