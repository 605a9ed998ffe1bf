// A browser project (lib dom, no Node types, bundler resolution with the "browser" condition).
import { ApoloClient, AppState, TimeoutError } from 'apolo-apps';

export async function browser(): Promise<void> {
  const client = new ApoloClient({
    apiUrl: 'https://api.apolo.us/api/v1', token: 't', project: 'p', WebSocket: globalThis.WebSocket, fetch: window.fetch.bind(window),
  });
  const ctl = new AbortController();
  for await (const line of client.apps.logLines('id', { signal: ctl.signal, since: new Date() })) {
    document.body.append(line);
  }
  for await (const app of client.apps.list({ states: [AppState.HEALTHY] })) void app.id;
  try {
    await client.apps.get('id');
  } catch (e) {
    if (e instanceof TimeoutError) console.log(e.url);
  }
  // @ts-expect-error the WebSocket option is a constructor, not an instance
  new ApoloClient({ apiUrl: 'u', token: 't', WebSocket: new WebSocket('ws://x') });
}
