// Uses apolo-apps as documented (js-api.md) from a Node ESM project; `tsc --strict` must accept every
// line, and reject each line marked @ts-expect-error (proof that misuse is caught).
import WebSocket from 'ws';
import {
  ApoloClient, AppState, ApoloError, AuthenticationError, AuthorizationError, BadGateway, ClientError,
  ConnectionError, IllegalArgumentError, ResourceNotFound, ServerNotAvailable, TimeoutError,
} from 'apolo-apps';
import type {
  App, AppConfigurationRevision, AppEvent, AppEventResource, AppTemplate, AppUpgrades, AppValue, Apps,
  ApoloClientOptions, JsonObject, JsonValue, WebSocketConstructor,
} from 'apolo-apps';

const options: ApoloClientOptions = {
  apiUrl: 'https://api.apolo.us/api/v1',
  token: 'jwt',
  cluster: 'default',
  org: 'superorg',
  project: 'alpha',
  monitoringUrl: 'https://c.example/api/v1/jobs',
  fetch: globalThis.fetch,
  WebSocket, // the ws package fits the option
  timeoutMs: 10_000,
};
const wsCtor: WebSocketConstructor = WebSocket;
void wsCtor;

export async function main(): Promise<void> {
  const client = new ApoloClient(options);
  const connected: ApoloClient = await ApoloClient.connect({ apiUrl: options.apiUrl, token: options.token, signal: AbortSignal.timeout(5000) });
  const cluster: string | undefined = connected.cluster;
  const org: string | undefined = connected.org;
  const project: string | undefined = connected.project;
  void [cluster, org, project];
  const apps: Apps = client.apps;
  const ctl = new AbortController();
  const signal = ctl.signal;

  for await (const app of apps.list()) {
    const a: App = app;
    const created: Date = a.created_at;
    const updated: Date = a.updated_at;
    const endpoints: string[] = a.endpoints;
    void [created, updated, endpoints];
    if (a.state === AppState.HEALTHY || a.state === 'degraded') console.log(a.id, a.name, a.display_name);
    const unknownState: string = a.state; // a newer server's state is still a string
    const title: string = a.display_name ?? a.name;
    void [unknownState, title];
    break;
  }
  for await (const app of apps.list({ states: [AppState.QUEUED, 'healthy'], cluster: 'c', org: 'o', project: 'p', signal })) {
    void app.template_name;
  }
  const app: App = await apps.get('id', { signal });
  const ups: AppUpgrades[] = await apps.getUpgrades(['a', 'b'], { signal });
  const next: string | undefined = ups[0]?.available_versions[0];
  void next;
  await apps.install({ template_name: 'shell', template_version: 'latest', input: {} });
  await apps.install(
    { template_name: 'vscode', template_version: 'v25.6.0', display_name: 'x', input: { preset: { name: 'cpu' } }, extra: 1 },
    { cluster: 'c', org: 'o', project: 'p', signal });
  await apps.configure(app.id, { input: { a: 1 } });
  await apps.configure(app.id, { template_version: 'v2', display_name: null }, { comment: 'c', upgrade: true, signal });
  const nothing: undefined = await apps.uninstall(app.id, { force: true, cluster: 'c', org: 'o', project: 'p', signal });
  void nothing;
  for await (const v of apps.getValues({ appId: app.id, valueType: 'RestAPI', cluster: 'c', org: 'o', project: 'p', signal })) {
    const value: AppValue = v;
    const json: JsonValue = value.value;
    void [value.instance_id, value.type, value.path, json];
  }
  for await (const t of apps.listTemplates({ project: 'p', signal })) {
    const tpl: AppTemplate = t;
    const tags: string[] = tpl.tags;
    void tags;
  }
  for await (const t of apps.listTemplateVersions('shell', { signal })) void t.version;
  const tpl: AppTemplate | null = await apps.getTemplate('shell', { version: 'v1', cluster: 'c', org: 'o', project: 'p', signal });
  if (tpl !== null && tpl.input !== null) {
    const schema: JsonObject = tpl.input;
    void schema;
  }
  const output: JsonObject = await apps.getOutput(app.id, { project: 'p', signal });
  void output;
  for await (const chunk of apps.logs(app.id, { since: new Date(), timestamps: true, cluster: 'c', signal })) {
    const bytes: Uint8Array = chunk;
    void bytes;
  }
  for await (const line of apps.logLines(app.id, { since: '2025-05-07T11:00:00+00:00' })) {
    const text: string = line;
    void text;
  }
  for await (const ev of apps.getEvents(app.id, { cluster: 'c', org: 'o', project: 'p', signal })) {
    const e: AppEvent = ev;
    const at: Date = e.created_at;
    const reason: string | null = e.reason;
    const res: AppEventResource[] = e.resources;
    const health: string | null | undefined = res[0]?.health_status;
    void [at, reason, health];
  }
  const revs: AppConfigurationRevision[] = await apps.getRevisions(app.id, { signal });
  const end: Date | null = revs[0]!.end_at;
  const n: number = revs[0]!.revision_number;
  void [end, n];
  await apps.rollback(app.id, 1, { comment: 'back', cluster: 'c', org: 'o', project: 'p', signal });
  const input: JsonObject = await apps.getInput(app.id, { revision: 1, cluster: 'c', org: 'o', project: 'p', signal });
  void input;

  // Manual iteration and early return.
  const it: AsyncIterableIterator<App> = apps.list();
  const first: IteratorResult<App> = await it.next();
  if (!first.done) void first.value.id;
  await it.return?.();

  try {
    await apps.get('x');
  } catch (e) {
    if (e instanceof ResourceNotFound) {
      const status: number | undefined = e.status;
      const name: 'ResourceNotFound' = e.name;
      void [status, name];
    } else if (e instanceof ApoloError) {
      const payload: JsonValue | undefined = e.payload;
      const url: string | undefined = e.url;
      const method: string | undefined = e.method;
      const msg: string = e.message;
      void [payload, url, method, msg];
    }
  }
  const errors: ApoloError[] = [
    new AuthenticationError('a'), new AuthorizationError('b'), new ClientError('c'), new BadGateway('d'),
    new ServerNotAvailable('e'), new IllegalArgumentError('f'), new ConnectionError('g'), new TimeoutError('h'),
    new ApoloError('i', { status: 500, payload: { error: 'x' }, method: 'GET', url: 'u' }),
  ];
  const asError: Error = errors[0]!;
  void asError;

  // ---- misuse that must not compile ----
  // @ts-expect-error apiUrl is required
  new ApoloClient({ token: 't' });
  // @ts-expect-error timeoutMs is a number
  new ApoloClient({ ...options, timeoutMs: '5' });
  // @ts-expect-error WebSocket is a constructor
  new ApoloClient({ ...options, WebSocket: 'ws' });
  // @ts-expect-error the defaults are read-only
  client.project = 'x';
  // @ts-expect-error apps is read-only
  client.apps = apps;
  // @ts-expect-error an app id is a string
  await apps.get(42);
  // @ts-expect-error only known states can be asked for
  apps.list({ states: ['bogus'] });
  // @ts-expect-error states is an array
  apps.list({ states: 'healthy' });
  // @ts-expect-error App has no such field
  void app.nonexistent;
  // @ts-expect-error created_at is a Date, not a string
  const s: string = app.created_at;
  void s;
  // @ts-expect-error AppState is frozen
  AppState.QUEUED = 'x';
  // @ts-expect-error not a state
  const st: AppState = 'bogus';
  void st;
  // @ts-expect-error since is a Date or a string
  apps.logs('id', { since: 123 });
  // @ts-expect-error the revision number is a number
  await apps.rollback('id', '1');
  // @ts-expect-error template_version is required for install
  await apps.install({ template_name: 'x' });
  // @ts-expect-error uninstall resolves to undefined
  const u: string = await apps.uninstall('id');
  void u;
  // @ts-expect-error getTemplate may resolve to null
  void (await apps.getTemplate('x')).name;
  // @ts-expect-error status may be undefined
  const st2: number = new ApoloError('x').status;
  void st2;
  // @ts-expect-error signal is an AbortSignal
  await apps.get('id', { signal: true });
  // @ts-expect-error force belongs to uninstall
  await apps.get('id', { force: true });
  // @ts-expect-error logs yields bytes, not strings
  for await (const c of apps.logs('id')) { const t: string = c; void t; }
  // @ts-expect-error getUpgrades takes an array or another iterable of ids, not one string
  await apps.getUpgrades('id');
  await apps.getUpgrades(new Set(['a', 'b']));
}
