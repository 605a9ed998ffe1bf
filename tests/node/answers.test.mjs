// What the JS layer builds from an answer: the core checks the body and says what to change in
// JSON.parse's result (timestamps, the SDK's defaults and renames); these pin the result through the
// package for bodies the emulator's own data never has (the emulator answers them as injected faults).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadGateway } from 'apolo-apps';
import { DEMO, V1, collect, withEmulator } from './helpers.mjs';

const ctx = withEmulator({ maxRetries: 0 });
const answer = (method, path, body) => ctx.emu.fault({ method, path, status: 200, body, times: 1 });

test('events: absent optional keys become null, null lists [], timestamps Dates; unknown keys stay', async () => {
  await answer('GET', `${V1}/instances/*/events`, {
    items: [
      { created_at: '2025-05-07 13:00:00.5+02:00', state: 'healthy', reason: null, resources: null, extra: { a: [1] } },
      { created_at: '2025-05-07T11:00:01Z', state: 'degraded', reason: 'r', message: 'm', resources: [{ kind: 'Pod' }, {}] },
    ],
    pages: 1,
  });
  const [first, second] = await collect(ctx.client.apps.getEvents(DEMO.sd));
  assert.ok(first.created_at instanceof Date);
  assert.equal(first.created_at.toISOString(), '2025-05-07T11:00:00.500Z');
  assert.equal(first.message, null);
  assert.deepEqual(first.resources, []);
  assert.deepEqual(first.extra, { a: [1] });
  assert.equal(second.created_at.toISOString(), '2025-05-07T11:00:01.000Z');
  assert.equal(second.message, 'm');
  assert.deepEqual(second.resources, [
    { kind: 'Pod', name: null, uid: null, health_status: null, health_message: null },
    { kind: null, name: null, uid: null, health_status: null, health_message: null },
  ]);
});

test('a repeated key reads as JSON.parse reads it: the last one, with its own edits only', async () => {
  // Text, not an object: an object cannot hold a key twice.
  const body = '{"items":[{"created_at":"1999-01-01T00:00:00Z","state":"x","reason":null,"message":"m",'
    + '"resources":[{},{},{}],"resources":[{"kind":"k"}],"created_at":"2025-05-07T11:00:00Z"}],"pages":1}';
  await answer('GET', `${V1}/instances/*/events`, body);
  const [event] = await collect(ctx.client.apps.getEvents(DEMO.sd));
  assert.equal(event.created_at.toISOString(), '2025-05-07T11:00:00.000Z');
  assert.deepEqual(event.resources, [{ kind: 'k', name: null, uid: null, health_status: null, health_message: null }]);
});

test('every object gets its own timestamps, a null one stays null', async () => {
  const rev = (n, created, end) => ({ revision_number: n, creator: 'u', comment: null, created_at: created, end_at: end });
  const revisions = [
    rev(4, '2025-05-07T11:00:04Z', null),
    rev(3, '2025-05-07T11:00:03.25Z', '2025-05-07T11:00:04Z'),
    rev(2, '2025-05-07T13:00:02+02:00', null),
    rev(1, '2024-02-29T23:59:59.999Z', '2025-05-07T11:00:02Z'),
  ];
  await answer('GET', '/apis/apps/v2/instances/*/revisions', revisions);
  const got = await ctx.client.apps.getRevisions(DEMO.sd);
  const iso = (t) => (t === null ? null : new Date(t).toISOString());
  assert.deepEqual(got.map((r) => [r.revision_number, iso(r.created_at), iso(r.end_at)]),
    revisions.map((r) => [r.revision_number, iso(r.created_at), iso(r.end_at)]));
  assert.ok(got.every((r) => r.created_at instanceof Date && (r.end_at === null || r.end_at instanceof Date)));
});

test('values: the legacy app_instance_id is read as instance_id, and a missing value is null', async () => {
  await answer('GET', `${V1}/instances/values`, {
    items: [{ app_instance_id: 'old', type: 'dict', path: '$.a' }, { instance_id: 'new', type: 'dict', path: '$.b', value: 1 }],
  });
  assert.deepEqual(await collect(ctx.client.apps.getValues()), [
    { instance_id: 'old', type: 'dict', path: '$.a', value: null },
    { instance_id: 'new', type: 'dict', path: '$.b', value: 1 },
  ]);
});

test('template summaries leave out input and description, as the SDK does', async () => {
  await answer('GET', `${V1}/templates`, [{ name: 'shell', version: 'v1', title: null, input: { type: 'object' }, description: 'd' }]);
  const [t] = await collect(ctx.client.apps.listTemplates());
  assert.equal(t.input, null);
  assert.equal(t.description, '');
  assert.equal(t.title, '');
  assert.deepEqual(t.tags, []);
});

test('an answer that breaks the model is a BadGateway naming the key; nothing is half-built', async () => {
  await answer('GET', '/apis/apps/v2/instances/*', { id: 'x', created_at: 'yesterday' });
  await assert.rejects(ctx.client.apps.get(DEMO.sd), (e) => e instanceof BadGateway && e.status === 200 && /`name`|`created_at`/.test(e.message));
  // The next call works.
  assert.equal((await ctx.client.apps.get(DEMO.sd)).id, DEMO.sd);
});
