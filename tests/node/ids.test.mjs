// App ids with `/`, `..`, `%`, spaces and non-ASCII characters are one percent-encoded path segment,
// never a path: the emulator (which decodes a segment once, as the platform does) finds the very app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { IllegalArgumentError, ResourceNotFound } from 'apolo-apps';
import { V1, collect, startEmulator } from './helpers.mjs';

const IDS = [
  ['a/b', 'a%2Fb'],
  ['../x', '..%2Fx'],
  ['../../apis/apps/v2/instances', '..%2F..%2Fapis%2Fapps%2Fv2%2Finstances'],
  ['50%', '50%25'],
  ['%2F', '%252F'],
  ['with space', 'with%20space'],
  ['ünï日本', '%C3%BCn%C3%AF%E6%97%A5%E6%9C%AC'],
  ['a?b#c', 'a%3Fb%23c'],
  ['...', '...'],
];

// Each app's output names the app, so a call that reached another app (or none) shows in the content.
const outputOf = (id) => ({ owner: { id, __type__: 'Owner' }, note: `output of ${id}` });

let emu;
let client;
before(async () => {
  emu = await startEmulator();
  await emu.reset({ seed: 'empty' });
  for (const [id] of IDS) {
    await emu.addApp({ id, project_name: 'alpha', template_name: 'shell', template_version: 'v25.5.1', events: 3, output: outputOf(id) });
  }
  client = emu.client({ monitoringUrl: `${emu.url}/api/v1/jobs` });
});
after(() => emu?.stop());

describe('odd ids', () => {
  for (const [id, segment] of IDS) {
    test(JSON.stringify(id), async () => {
      await emu.clearRequests();
      const app = await client.apps.get(id);
      assert.equal(app.id, id);
      assert.equal((await client.apps.getRevisions(id)).length, 1);
      assert.ok((await collect(client.apps.getEvents(id))).length >= 1);
      assert.equal((await client.apps.getInput(id)).template_name, 'shell');
      assert.equal((await client.apps.getInput(id, { revision: 1 })).template_version, 'v25.5.1');
      assert.deepEqual(await client.apps.getOutput(id), outputOf(id));
      const values = await collect(client.apps.getValues({ appId: id }));
      assert.deepEqual(values.map((v) => [v.instance_id, v.type, v.path, v.value]), [[id, 'Owner', '$.owner', outputOf(id).owner]]);
      const up = await client.apps.getUpgrades([id]);
      assert.equal(up[0].id, id);
      const updated = await client.apps.configure(id, { template_version: 'v25.5.1', input: { preset: { name: 'gpu' } } }, { comment: 'odd' });
      assert.equal(updated.id, id);
      await client.apps.rollback(id, 1);
      await emu.setState(id, 'errored'); // a stopped app: its log is the archive, then close 1000
      const lines = await collect(client.apps.logLines(id));
      assert.ok(lines.length > 0);
      await client.apps.uninstall(id, { force: true });
      assert.equal((await client.apps.get(id)).state, 'uninstalled');

      const v2 = `/apis/apps/v2/instances/${segment}`;
      const v1 = `${V1}/instances/${segment}`;
      const wire = (await emu.requests()).map((r) => `${r.method} ${r.path}`);
      const expected = [
        `GET ${v2}`, `GET ${v2}/revisions`, `GET ${v1}/events`, `GET ${v1}/input`, `GET ${v1}/revisions/1/input`,
        `GET ${v1}/output`, `GET ${v1}/values`,
        `GET /apis/apps/v2/instances/upgrades`,
        `GET ${v2}`, `PUT ${v1}`,
        `POST ${v1}/revisions/1/rollback`,
        `GET /api/v1/apps/${segment}/log_ws`,
        `DELETE ${v1}`, `GET ${v2}`,
      ];
      assert.deepEqual(wire, expected);
      const upgrades = (await emu.requests()).find((r) => r.path === '/apis/apps/v2/instances/upgrades');
      assert.equal(new URLSearchParams(upgrades.query).get('id'), id);
    });
  }

  test('"." and ".." cannot be one segment: IllegalArgumentError, nothing sent', async () => {
    await emu.clearRequests();
    for (const id of ['.', '..']) {
      await assert.rejects(client.apps.get(id), IllegalArgumentError);
      await assert.rejects(collect(client.apps.getEvents(id)), IllegalArgumentError);
      await assert.rejects(client.apps.uninstall(id), IllegalArgumentError);
      await assert.rejects(collect(client.apps.logs(id)), IllegalArgumentError);
      await assert.rejects(client.apps.getTemplate('shell', { version: id }), IllegalArgumentError);
    }
    assert.deepEqual(await emu.wire(), []);
  });

  test('template names and versions are segments too', async () => {
    await emu.clearRequests();
    assert.equal(await client.apps.getTemplate('a/b', { version: '1 2' }), null);
    assert.deepEqual(await collect(client.apps.listTemplateVersions('x/../y')), []);
    assert.deepEqual(await emu.wire(), [`GET ${V1}/templates/a%2Fb/1%202`, `GET ${V1}/templates/x%2F..%2Fy`]);
  });

  test('project options are segments too', async () => {
    await emu.clearRequests();
    await assert.rejects(client.apps.getOutput('x', { project: 'p/q', org: 'o o' }), ResourceNotFound);
    assert.deepEqual(await emu.wire(), ['GET /apis/apps/v1/cluster/default/org/o%20o/project/p%2Fq/instances/x/output']);
  });
});
