// The same package from a CommonJS TypeScript project (`require` resolves index.d.cts).
import apolo = require('apolo-apps');

export async function cjs(): Promise<void> {
  const client = new apolo.ApoloClient({ apiUrl: 'http://127.0.0.1/api/v1', token: 't', project: 'alpha' });
  const app: apolo.App = await client.apps.get('id');
  const state: apolo.AppState | (string & {}) = app.state;
  void state;
  try {
    await client.apps.uninstall(app.id, { force: true });
  } catch (e) {
    if (e instanceof apolo.AuthenticationError) void e.status;
  }
  // @ts-expect-error appId is a string
  await client.apps.getOutput(1);
}
